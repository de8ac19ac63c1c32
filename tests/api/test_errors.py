"""Errors are JSON of one shape, in Persian or English by Accept-Language."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_missing_fields_in_english(api_client):
    response = api_client.post(reverse("api:token"), {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some of the data sent is not valid.",
        "code": "required",
        "errors": {
            "username": ["This field is required."],
            "password": ["This field is required."],
        },
    }


@pytest.mark.wording
def test_missing_fields_in_persian(api_client):
    # A translation test: it reads the Persian wording on purpose, from the compiled
    # catalogues (tests/conftest.py compiles them when they are missing or stale).
    response = api_client.post(reverse("api:token"), {}, format="json", HTTP_ACCEPT_LANGUAGE="fa")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "بخشی از داده‌های فرستاده‌شده معتبر نیست."
    assert body["errors"]["username"] == ["این مقدار لازم است."]


@pytest.mark.wording
def test_persian_is_the_default_language(api_client):
    response = api_client.get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json()["detail"] == "اطلاعات برای اعتبارسنجی ارسال نشده است."


def test_malformed_json_is_a_400_in_the_same_shape(api_client):
    response = api_client.post(
        reverse("api:otp-request"),
        data="{not json",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["errors"] == {}
