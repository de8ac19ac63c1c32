"""Class 4: one client address, and sign-in limits that rotating addresses does not escape.

A hostile client writes whatever it likes in X-Forwarded-For; with no trusted proxy
(DJANGO_NUM_PROXIES=0) the portal must count it by REMOTE_ADDR alone, behind N proxies by the
N-th forwarded entry from the right. A guesser of one password is slowed from every address.
"""

import datetime
import itertools

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.centres.factories import UserFactory
from tests.public import conftest as public

# The public pages' centre and a cohort open for registration (tests/public/conftest.py).
hesseh_centre = public.hesseh_centre
planned_cohort = public.planned_cohort

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"
_fake = itertools.count(1)


def forged() -> str:
    """A fresh forged X-Forwarded-For on every call, as a rotating attacker sends."""
    n = next(_fake)
    return f"198.51.{n // 250}.{n % 250 + 1}"


def _rates(settings, **rates):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, **rates}


def _token(client, username, password, **extra):
    return client.post(
        reverse("api:token"), {"username": username, "password": password}, format="json", **extra
    )


def test_rotating_forwarded_for_does_not_escape_the_sign_in_throttle(settings):
    _rates(settings, sign_in="3/minute")
    client = APIClient(REMOTE_ADDR=ATTACKER)
    codes = [
        _token(client, f"user{i}", "guess", HTTP_X_FORWARDED_FOR=forged()).status_code
        for i in range(5)
    ]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]


def test_rotating_forwarded_for_does_not_escape_the_general_api_limit(settings):
    _rates(settings, ip="3/minute")
    client = APIClient(REMOTE_ADDR=ATTACKER)
    client.force_authenticate(UserFactory())
    codes = [
        client.get(reverse("api:me"), HTTP_X_FORWARDED_FOR=forged()).status_code for _ in range(5)
    ]
    assert codes[3:] == [429, 429]


def test_rotating_forwarded_for_does_not_escape_the_sms_code_limit_of_the_api(settings):
    _rates(settings, otp_request_ip="3/hour")
    client = APIClient(REMOTE_ADDR=ATTACKER)
    codes = [
        client.post(
            reverse("api:otp-request"),
            {"mobile": f"0912000000{i}"},
            format="json",
            HTTP_X_FORWARDED_FOR=forged(),
        ).status_code
        for i in range(5)
    ]
    assert codes[:3] == [202, 202, 202]
    assert codes[3:] == [429, 429]


def test_rotating_forwarded_for_does_not_escape_the_sms_code_limit_of_the_pages(
    settings, planned_cohort, django_capture_on_commit_callbacks
):
    _rates(settings, otp_request_ip="3/hour")
    client = Client(REMOTE_ADDR=ATTACKER)
    url = reverse("public_cohort_interest", args=[planned_cohort.pk])
    codes = []
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url,
                {"name": "زهرا کاظمی", "mobile": f"0912000000{i}", "neighbourhood": ""},
                HTTP_X_FORWARDED_FOR=forged(),
            )
        codes.append(response.status_code)
    assert codes[:3] == [302, 302, 302]
    assert codes[3:] == [429, 429]


def test_rotating_forwarded_for_does_not_escape_the_admin_login_lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR=ATTACKER)
    url = reverse("admin:login")
    codes = [
        client.post(
            url,
            {"username": f"user{i}", "password": "guess"},
            HTTP_X_FORWARDED_FOR=forged(),
        ).status_code
        for i in range(5)
    ]
    # Three failures for three usernames from one address lock the address.
    assert codes[:2] == [200, 200]
    assert codes[3:] == [429, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_behind_one_proxy_the_address_the_proxy_saw_counts(settings):
    settings.NUM_PROXIES = 1
    _rates(settings, sign_in="2/minute")
    proxy = APIClient(REMOTE_ADDR="10.0.0.2")
    # The client's forged left part changes; the entry the proxy appended does not.
    first = [
        _token(proxy, "u", "p", HTTP_X_FORWARDED_FOR=f"{forged()}, 192.0.2.10").status_code
        for _ in range(3)
    ]
    assert first == [401, 401, 429]
    # Another client behind the same proxy has its own counter.
    other = _token(proxy, "u", "p", HTTP_X_FORWARDED_FOR=f"{forged()}, 192.0.2.11")
    assert other.status_code == 401


def test_behind_one_proxy_axes_records_the_address_the_proxy_saw(settings):
    settings.NUM_PROXIES = 1
    settings.AXES_ENABLED = True
    proxy = APIClient(REMOTE_ADDR="10.0.0.2")
    _token(proxy, "u", "p", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.10"]


def test_a_username_is_locked_from_every_address_and_only_for_minutes(settings, password):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="manager.one")
    codes = [
        _token(APIClient(REMOTE_ADDR=f"192.0.2.{i}"), "manager.one", "guess").status_code
        for i in range(1, 5)
    ]
    assert codes == [401, 401, 429, 429]
    # Even the right password, from an address never seen, waits for the cool-off.
    fresh = APIClient(REMOTE_ADDR="192.0.2.200")
    assert _token(fresh, "manager.one", password).status_code == 429
    # A stranger cannot keep the owner out: the lock ends 15 minutes after it was set,
    # whatever was tried meanwhile.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert _token(fresh, "manager.one", password).status_code == 200


def test_the_admin_login_locks_a_username_from_every_address(settings, password):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="manager.one", is_staff=True)
    url = reverse("admin:login")
    for i in range(1, 4):
        Client(REMOTE_ADDR=f"192.0.2.{i}").post(url, {"username": "manager.one", "password": "x"})
    response = Client(REMOTE_ADDR="192.0.2.99").post(
        url, {"username": "manager.one", "password": password}
    )
    assert response.status_code == 429


def test_an_administrator_unlocks_a_username_in_the_admin(settings, password, admin_client):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(username="manager.one")
    for i in range(1, 3):
        _token(APIClient(REMOTE_ADDR=f"192.0.2.{i}"), "manager.one", "guess")
    assert _token(APIClient(), "manager.one", password).status_code == 429
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert _token(APIClient(), "manager.one", password).status_code == 200
