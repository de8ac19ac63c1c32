"""Class 4: failed sign-ins slow a username down from every address, by a growing wait.

A guesser who rotates addresses still waits for the username's own clock (1, 2, 4 ...
seconds after the last failure, doubling), through the API's token endpoint and the admin's
form alike; the owner is kept out for minutes at most (the cap), and attempts refused while
waiting do not extend the wait. django-axes' fixed lock-out is off here, to see the slope.
"""

import itertools

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from empowerment.kernel import signin_delay
from tests.centres.factories import UserFactory

pytestmark = pytest.mark.django_db

_addresses = (f"198.51.100.{i}" for i in itertools.count(1))


def _token(username, password):
    client = APIClient(REMOTE_ADDR=next(_addresses))
    return client.post(
        reverse("api:token"),
        {"username": username, "password": password},
        format="json",
    )


@pytest.fixture
def delay(settings):
    settings.SIGNIN_DELAY_ENABLED = True
    settings.SIGNIN_DELAY_FREE_FAILURES = 3
    settings.SIGNIN_DELAY_MAX_SECONDS = 900
    return settings


def _age_last_failure(username, seconds):
    """Move the username's last failure `seconds` into the past (the clock of the test)."""
    _failures, last = signin_delay._keys(username)
    from django.core.cache import cache

    cache.set(last, cache.get(last) - seconds)


def test_the_wait_grows_with_each_failure_and_is_capped():
    assert [signin_delay.wait_for(n) for n in range(1, 8)] == [0, 0, 1, 2, 4, 8, 16]
    assert signin_delay.wait_for(40) == 900


def test_rotating_addresses_does_not_escape_the_wait(delay, password):
    UserFactory(username="manager.one")
    codes = [_token("manager.one", "guess").status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    # Third failure: the next attempt, from an address never seen, waits (429); even with
    # the right password, which is not checked while waiting.
    assert signin_delay.seconds_to_wait("manager.one") >= 1
    refused = _token("manager.one", password)
    assert refused.status_code == 429
    assert refused.json()["code"] == "sign_in_locked"
    # Refused while waiting: the count did not grow, the wait did not move.
    assert signin_delay.seconds_to_wait("MANAGER.ONE ") <= 1
    _age_last_failure("manager.one", 2)
    assert _token("manager.one", "guess").status_code == 401  # the 4th failure
    assert signin_delay.seconds_to_wait("manager.one") == 2
    _age_last_failure("manager.one", 3)
    assert _token("manager.one", password).status_code == 200


def test_the_admin_form_shares_the_username_clock(delay, password):
    UserFactory(username="staff.one", is_staff=True)
    url = reverse("admin:login")
    for i in range(5):
        Client(REMOTE_ADDR=f"192.0.2.{i}").post(url, {"username": "staff.one", "password": "x"})
    assert signin_delay.seconds_to_wait("staff.one") > 0
    refused = Client(REMOTE_ADDR="192.0.2.99").post(
        url, {"username": "staff.one", "password": password}
    )
    assert refused.status_code == 200  # the form again, not signed in
    assert "_auth_user_id" not in refused.wsgi_request.session
    # The API's clock is the same clock.
    assert _token("staff.one", password).status_code == 429


def test_a_stranger_keeps_the_owner_out_for_minutes_at_most(delay, password):
    UserFactory(username="manager.one")
    for _ in range(30):  # a long night of guesses, each waited out
        _token("manager.one", "guess")
        _age_last_failure("manager.one", 900)
    assert signin_delay.seconds_to_wait("manager.one") <= 900
    _age_last_failure("manager.one", 900)
    assert _token("manager.one", password).status_code == 200
    # A success forgets the count.
    assert signin_delay.seconds_to_wait("manager.one") == 0
    assert _token("manager.one", "guess").status_code == 401
    assert signin_delay.seconds_to_wait("manager.one") == 0


def test_other_usernames_are_not_slowed(delay, password):
    UserFactory(username="manager.one")
    UserFactory(username="manager.two")
    for _ in range(6):
        _token("manager.one", "guess")
    assert _token("manager.two", password).status_code == 200


def test_an_administrator_lifts_the_wait_with_the_axes_unlock(delay, password, admin_client):
    from axes.models import AccessAttempt

    delay.AXES_ENABLED = True
    delay.AXES_FAILURE_LIMIT = 100  # the wait alone, not axes' lock
    UserFactory(username="manager.one")
    for _ in range(6):
        _token("manager.one", "guess")
    assert _token("manager.one", password).status_code == 429
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    assert ids
    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert _token("manager.one", password).status_code == 200
