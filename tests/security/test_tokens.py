"""Class 6: API tokens. A refresh token works once; a password change or a deactivation ends
every token issued before it; a hash upgrade signs no one out."""

import datetime

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from empowerment.kernel import tasks
from tests.centres.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-pass-1404-long"


def sign_in(username, password):
    response = APIClient().post(
        reverse("api:token"), {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def refresh(token):
    return APIClient().post(reverse("api:token-refresh"), {"refresh": token}, format="json")


def me(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(reverse("api:me"))


def test_a_refresh_token_works_once(password):
    UserFactory(username="staff.one")
    tokens = sign_in("staff.one", password)
    first = refresh(tokens["refresh"])
    assert first.status_code == 200
    renewed = first.json()
    assert renewed["refresh"] != tokens["refresh"]
    # The thief (or the owner) sending the old one again is refused...
    assert refresh(tokens["refresh"]).status_code == 401
    # ... while the new one works, once.
    assert refresh(renewed["refresh"]).status_code == 200
    assert refresh(renewed["refresh"]).status_code == 401


def test_access_tokens_live_five_minutes_at_most(password):
    UserFactory(username="staff.one")
    for token in (sign_in("staff.one", password)["access"],):
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] <= 300


def test_a_password_change_ends_every_token_issued_before_it(password):
    user = UserFactory(username="staff.one", is_staff=True)
    stolen = sign_in("staff.one", password)
    assert me(stolen["access"]).status_code == 200

    # The owner changes the password in the admin, from their browser.
    browser = Client()
    browser.force_login(user)
    response = browser.post(
        reverse("admin:password_change"),
        {
            "old_password": password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302

    assert refresh(stolen["refresh"]).status_code == 401
    assert me(stolen["access"]).status_code == 401
    assert OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).count() == 0
    # The new password signs in.
    assert sign_in("staff.one", NEW_PASSWORD)["refresh"]


def test_deactivation_ends_tokens_at_once(password):
    user = UserFactory(username="staff.one")
    tokens = sign_in("staff.one", password)
    assert me(tokens["access"]).status_code == 200

    user.is_active = False
    user.save()  # as the admin's change form does

    assert me(tokens["access"]).status_code == 401
    assert refresh(tokens["refresh"]).status_code == 401


def test_deactivation_through_a_queryset_update_still_refuses_access(password):
    # update() sends no signal: the access token is still refused, since every request
    # loads the user and checks is_active.
    user = UserFactory(username="staff.one")
    tokens = sign_in("staff.one", password)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert me(tokens["access"]).status_code == 401
    assert refresh(tokens["refresh"]).status_code == 401


def test_a_password_hash_upgrade_signs_no_one_out(settings, password):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory(username="staff.one")
    assert user.password.startswith("md5$")
    tokens = sign_in("staff.one", password)

    # A stronger hasher becomes the preferred one; the next sign-in re-hashes and saves.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    sign_in("staff.one", password)
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")

    assert me(tokens["access"]).status_code == 200
    assert refresh(tokens["refresh"]).status_code == 200


def test_the_nightly_flush_forgets_expired_refresh_tokens(password):
    UserFactory(username="staff.one")
    sign_in("staff.one", password)
    live = sign_in("staff.one", password)
    OutstandingToken.objects.exclude(token=live["refresh"]).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert tasks.tokens_flush_expired.delay().get() == 1
    assert list(OutstandingToken.objects.values_list("token", flat=True)) == [live["refresh"]]
    assert refresh(live["refresh"]).status_code == 200
