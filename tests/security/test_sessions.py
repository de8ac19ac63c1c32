"""Class 8 (part): staff sessions end after 8 hours without activity, and at once when the
account is deactivated or its password changes."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from empowerment.kernel.session_activity import ACTIVITY_KEY
from tests.centres.factories import CentreFactory, staff_user

pytestmark = pytest.mark.django_db

HOUR = 3600


@pytest.fixture
def staff(db):
    return staff_user("staff.one", "centre_staff", CentreFactory())


@pytest.fixture
def browser(staff, password):
    client = Client()
    assert (
        client.post(
            reverse("admin:login"), {"username": "staff.one", "password": password}
        ).status_code
        == 302
    )
    return client


def in_admin(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def last_activity_was(client, seconds_ago: float) -> None:
    """Move the session's recorded activity back, as if the person had been away."""
    session = client.session
    session[ACTIVITY_KEY] = time.time() - seconds_ago
    session.save()


def test_a_session_idle_for_eight_hours_is_over(browser):
    assert in_admin(browser)
    last_activity_was(browser, 8 * HOUR + 60)
    key = browser.session.session_key
    assert not in_admin(browser)
    assert not Session.objects.filter(session_key=key).exists()
    assert browser.get(reverse("dashboard:index")).status_code == 302


def test_an_active_session_is_carried_on(browser):
    last_activity_was(browser, 7 * HOUR)
    assert in_admin(browser)
    session = Session.objects.get(session_key=browser.session.session_key)
    # The request moved the expiry a full 8 hours on.
    assert session.expire_date > timezone.now() + timezone.timedelta(hours=7, minutes=59)
    last_activity_was(browser, 7 * HOUR)
    assert in_admin(browser)


def test_the_session_row_and_cookie_last_eight_hours_at_most(browser):
    session = Session.objects.get(session_key=browser.session.session_key)
    assert session.expire_date <= timezone.now() + timezone.timedelta(hours=8)
    assert browser.cookies["sessionid"]["max-age"] <= 8 * HOUR


def test_requests_in_quick_succession_do_not_write_the_session(browser):
    assert in_admin(browser)
    before = Session.objects.get(session_key=browser.session.session_key).expire_date
    assert in_admin(browser)
    assert Session.objects.get(session_key=browser.session.session_key).expire_date == before


def test_deactivating_staff_ends_their_sessions_at_once(browser, staff):
    assert in_admin(browser)
    staff.is_active = False
    staff.save()
    assert not in_admin(browser)
    assert browser.get(reverse("dashboard:index")).status_code == 302
    assert browser.get(reverse("api:me")).status_code in (401, 403)


def test_a_password_change_ends_the_other_sessions(browser, staff, password):
    other = Client()
    other.force_login(staff)
    assert in_admin(other)
    staff.set_password("a-new-pass-1404-long")
    staff.save()
    assert not in_admin(other)
    assert not in_admin(browser)
