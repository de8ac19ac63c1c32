"""Class 8 (part): administrators, centre managers and HQ secretaries give a TOTP code after
their password, in the admin and at the API's token endpoint."""

import base64
import hmac
import re
import struct
import time

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from empowerment.kernel import second_factor
from empowerment.kernel.demo_second_factor import DEMO_TOTP_SECRETS
from tests.centres.factories import CentreFactory, staff_user

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp(secret: str, *, shift: int = 0) -> str:
    """RFC 6238 written out here, independent of the portal's code: what a phone shows."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(time.time() // 30) + shift
    digest = hmac.new(key, struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.ADMIN_SECOND_FACTOR = True


@pytest.fixture
def centre(db):
    return CentreFactory()


@pytest.fixture
def manager(centre):
    user = staff_user("manager.one", "centre_manager", centre)
    second_factor.device_set(user=user, secret=SECRET)
    return user


def admin_login(client, username, password, code=None):
    data = {"username": username, "password": password}
    if code is not None:
        data["otp_token"] = code
    return client.post(reverse("admin:login"), data)


def in_admin(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_the_password_alone_does_not_open_the_admin(manager, password):
    client = Client()
    response = admin_login(client, "manager.one", password)
    assert response.status_code == 200
    assert "otp_token" in response.context["form"].errors or response.context["form"].errors
    assert not in_admin(client)


def test_a_wrong_code_does_not_open_the_admin(manager, password):
    client = Client()
    for wrong in (totp(SECRET, shift=7), "000000", "abc"):
        if wrong == totp(SECRET):
            continue
        assert admin_login(client, "manager.one", password, wrong).status_code == 200
        assert not in_admin(client)


def test_the_right_code_opens_the_admin_and_a_replayed_one_does_not(manager, password):
    code = totp(SECRET)
    first = Client()
    assert admin_login(first, "manager.one", password, code).status_code == 302
    assert in_admin(first)
    # Someone who watched the code being typed, a moment later from another browser.
    thief = Client()
    assert admin_login(thief, "manager.one", password, code).status_code == 200
    assert not in_admin(thief)


def test_a_session_without_the_code_reaches_no_admin_page(manager, password):
    """Signed in by password elsewhere (the dashboards' form): every admin page of every
    registered model sends the person back to the admin's sign-in."""
    client = Client()
    assert (
        client.post(
            reverse("dashboard:login"), {"username": "manager.one", "password": password}
        ).status_code
        == 302
    )
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        try:
            urls.append(
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            )
        except NoReverseMatch:
            continue
    assert len(urls) > 20
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_staff_without_a_device_need_no_code(centre, password):
    staff_user("staff.one", "centre_staff", centre)
    client = Client()
    assert admin_login(client, "staff.one", password).status_code == 302
    assert in_admin(client)


def test_a_manager_without_a_device_enrols_before_entering(centre, password):
    staff_user("manager.new", "centre_manager", centre)
    client = Client()
    response = admin_login(client, "manager.new", password)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:second_factor_enrol")
    assert not in_admin(client)  # the password alone did not sign in

    page = client.get(reverse("admin:second_factor_enrol"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body
    secret = re.search(r'id="second-factor-secret"[^>]*>([A-Z2-7]+)<', body).group(1)

    wrong = client.post(reverse("admin:second_factor_enrol"), {"otp_token": "123"})
    assert wrong.status_code == 200 and not in_admin(client)
    time.sleep(1.1)  # django-otp refuses any code for 2^(failures-1) s after a failure
    done = client.post(reverse("admin:second_factor_enrol"), {"otp_token": totp(secret)})
    assert done.status_code == 302
    assert in_admin(client)


def test_the_enrolment_page_needs_a_checked_password(centre):
    staff_user("manager.new", "centre_manager", centre)
    response = Client().get(reverse("admin:second_factor_enrol"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_api_token_endpoint_asks_these_roles_for_the_code(manager, centre, password):
    url = reverse("api:token")
    api = APIClient()
    without = api.post(url, {"username": "manager.one", "password": password}, format="json")
    assert without.status_code == 401
    assert without.json()["code"] == "otp_required"
    wrong = api.post(
        url,
        {"username": "manager.one", "password": password, "otp": totp(SECRET, shift=9)},
        format="json",
    )
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "otp_invalid"
    # Even the right code is refused for 2^(failures-1) seconds after a failure (django-otp).
    quick = api.post(
        url, {"username": "manager.one", "password": password, "otp": totp(SECRET)}, format="json"
    )
    assert quick.status_code == 401
    time.sleep(2.1)
    right = api.post(
        url, {"username": "manager.one", "password": password, "otp": totp(SECRET)}, format="json"
    )
    assert right.status_code == 200
    assert set(right.json()) == {"access", "refresh"}

    staff_user("staff.one", "centre_staff", centre)
    staff = api.post(url, {"username": "staff.one", "password": password}, format="json")
    assert staff.status_code == 200


def test_the_demo_secrets_sign_in(password):
    call_command("seed_demo", verbosity=0)
    for username, secret in DEMO_TOTP_SECRETS.items():
        client = Client()
        assert admin_login(client, username, password).status_code == 200, username
        assert admin_login(client, username, password, totp(secret)).status_code == 302
        assert in_admin(client), username
    # The CI's smoke step and the prod-check sign in as staff.isfahan with no code.
    client = Client()
    assert admin_login(client, "staff.isfahan", password).status_code == 302
    assert in_admin(client)


def test_a_session_without_the_code_does_not_open_the_api(manager, centre, password):
    """The dashboards' form takes the password alone; that session is no way round the code
    that the token endpoint asks for."""
    client = Client()
    client.post(reverse("dashboard:login"), {"username": "manager.one", "password": password})
    assert client.get(reverse("dashboard:index")).status_code == 200
    assert client.get(reverse("api:me")).status_code == 401
    assert client.get(reverse("api:trainee-list")).status_code == 401

    # A session verified by the code in the admin opens it.
    admin_login(client, "manager.one", password, totp(SECRET))
    assert client.get(reverse("api:me")).status_code == 200

    # Staff, who need no code, use their session as before.
    staff_user("staff.one", "centre_staff", centre)
    staff = Client()
    staff.post(reverse("dashboard:login"), {"username": "staff.one", "password": password})
    assert staff.get(reverse("api:me")).status_code == 200
