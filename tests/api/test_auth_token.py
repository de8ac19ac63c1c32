"""POST /api/v1/auth/token/ and /refresh/: JWT sign-in, lockout and throttling."""

import pytest
from django.urls import reverse

from tests.centres.factories import UserFactory

pytestmark = pytest.mark.django_db


def _sign_in(client, username, password, **extra):
    return client.post(
        reverse("api:token"), {"username": username, "password": password}, format="json", **extra
    )


def test_sign_in_returns_a_token_pair_that_opens_the_api(api_client, password):
    UserFactory(username="staff.one")
    response = _sign_in(api_client, "staff.one", password)
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = api_client.get(reverse("api:me"))
    assert me.status_code == 200
    assert me.json()["username"] == "staff.one"


def test_wrong_password_is_401_with_the_error_shape(api_client):
    UserFactory(username="staff.one")
    response = _sign_in(api_client, "staff.one", "wrong", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "The username or password is not correct.",
        "code": "no_active_account",
        "errors": {},
    }


def test_refresh_gives_a_new_access_token(api_client, password):
    UserFactory(username="staff.one")
    refresh = _sign_in(api_client, "staff.one", password).json()["refresh"]
    response = api_client.post(reverse("api:token-refresh"), {"refresh": refresh}, format="json")
    assert response.status_code == 200
    assert response.json()["access"]

    bad = api_client.post(reverse("api:token-refresh"), {"refresh": "garbage"}, format="json")
    assert bad.status_code == 401
    assert bad.json()["code"] == "token_not_valid"


def test_an_invalid_bearer_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api_client.get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_sign_in_locks_after_repeated_failures_even_with_the_right_password(
    api_client, password, settings
):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="staff.one")
    for _ in range(2):
        assert _sign_in(api_client, "staff.one", "wrong").status_code == 401
    third = _sign_in(api_client, "staff.one", "wrong")
    assert third.status_code == 429

    locked = _sign_in(api_client, "staff.one", password, HTTP_ACCEPT_LANGUAGE="fa")
    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "sign_in_locked"


def test_sign_in_is_throttled_per_ip(api_client, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sign_in": "3/minute"}
    for _ in range(3):
        assert _sign_in(api_client, "nobody", "x").status_code == 401
    response = _sign_in(api_client, "nobody", "x", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "Retry-After" in response.headers


def test_api_is_throttled_per_user(client_for, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "2/minute"}
    client = client_for(UserFactory(username="busy"))
    assert client.get(reverse("api:me")).status_code == 200
    assert client.get(reverse("api:me")).status_code == 200
    assert client.get(reverse("api:me")).status_code == 429


def test_the_browser_session_works_for_the_api(client, password):
    UserFactory(username="staff.one")
    assert client.login(username="staff.one", password=password)
    response = client.get(reverse("api:me"))
    assert response.status_code == 200
    assert response.json()["username"] == "staff.one"


def test_api_is_throttled_per_address_across_users(client_for, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "ip": "3/minute"}
    first = client_for(UserFactory(username="first"))
    second = client_for(UserFactory(username="second"))
    assert first.get(reverse("api:me")).status_code == 200
    assert second.get(reverse("api:me")).status_code == 200
    assert first.get(reverse("api:me")).status_code == 200
    refused = second.get(reverse("api:me"))  # the same address, a fourth request
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) <= 60
