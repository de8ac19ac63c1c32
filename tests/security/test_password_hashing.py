"""Passwords are hashed with Argon2id at OWASP's parameters; a hash stored before (PBKDF2, or
Argon2 with other parameters) still signs its owner in and is re-hashed on the way (issue 18).
The figures behind the choice: bench/hasher_bench.py."""

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.urls import reverse

from empowerment import settings as project_settings
from tests.centres.factories import UserFactory

pytestmark = pytest.mark.django_db

OWASP_ARGON2 = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def production_hashers(settings):
    # The suite hashes with MD5 for speed (tests/once.py); these tests use the real list.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert identify_hasher(make_password("x")).algorithm == "argon2"


def _sign_in(client, username, password):
    return client.post(
        reverse("api:token"), {"username": username, "password": password}, format="json"
    )


def test_a_new_password_is_argon2id_at_owasp_parameters(production_hashers):
    assert make_password("a new password").startswith(OWASP_ARGON2)


@pytest.mark.parametrize(
    "stored_with",
    [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",  # Django's 100 MiB, p=8
    ],
)
def test_a_stored_hash_signs_in_and_becomes_owasp_argon2id(
    production_hashers, settings, api_client, stored_with
):
    settings.PASSWORD_HASHERS = [stored_with, *project_settings.PASSWORD_HASHERS]
    user = UserFactory(username="staff.old")
    user.set_password("an old password 1403")
    user.save()
    assert not user.password.startswith(OWASP_ARGON2)
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS

    assert _sign_in(api_client, "staff.old", "wrong password").status_code == 401
    user.refresh_from_db()
    assert not user.password.startswith(OWASP_ARGON2)  # a failed attempt changes nothing

    assert _sign_in(api_client, "staff.old", "an old password 1403").status_code == 200
    user.refresh_from_db()
    assert user.password.startswith(OWASP_ARGON2)
    assert user.check_password("an old password 1403")
