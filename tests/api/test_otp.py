"""Residents sign in with their mobile and a one-time code sent by SMS."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from empowerment.kernel.models import OneTimeCode, OutboxMessage
from empowerment.kernel.residents import resident_signed_in
from empowerment.kernel.sms import ConsoleSMSBackend
from tests.centres.factories import UserFactory

pytestmark = pytest.mark.django_db

MOBILE = "09121234567"


@pytest.fixture
def ask_code(api_client, django_capture_on_commit_callbacks):
    """Request a code as a client would and return it, read from the console SMS backend."""

    def ask(mobile=MOBILE, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(
                reverse("api:otp-request"), {"mobile": mobile}, format="json", **extra
            )
        if response.status_code != 202:
            return response, None
        text = ConsoleSMSBackend.outbox[-1]["text"]
        return response, re.search(r"\d{6}", text).group()

    return ask


def _verify(client, code, mobile=MOBILE, **extra):
    return client.post(
        reverse("api:otp-verify"), {"mobile": mobile, "code": code}, format="json", **extra
    )


def test_code_by_sms_signs_a_new_resident_in(api_client, ask_code):
    # Persian digits and +98 are what a phone keyboard gives.
    response, code = ask_code("+98 ۹۱۲ ۱۲۳ ۴۵۶۷")
    assert response.status_code == 202
    assert response.json()["expires_in"] == 120
    assert ConsoleSMSBackend.outbox[-1]["to"] == MOBILE
    message = OutboxMessage.objects.get()
    assert message.state == OutboxMessage.State.SENT
    assert code not in message.text  # the code is not kept once sent
    assert code not in OneTimeCode.objects.get().code_hash

    linked = []

    def receiver(sender, user, mobile, **kw):
        linked.append(mobile)

    resident_signed_in.connect(receiver, weak=False)
    try:
        verified = _verify(api_client, code)
    finally:
        # Only this test's receiver: the trainee registry's own stays connected.
        resident_signed_in.disconnect(receiver)
    assert verified.status_code == 200
    assert set(verified.json()) == {"access", "refresh"}
    assert linked == [MOBILE]

    user = get_user_model().objects.get(username=MOBILE)
    assert not user.has_usable_password() and not user.is_staff
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {verified.json()['access']}")
    me = api_client.get(reverse("api:me")).json()
    assert me["is_resident"] is True and me["roles"] == []


def test_a_code_works_once(api_client, ask_code):
    _, code = ask_code()
    assert _verify(api_client, code).status_code == 200
    again = _verify(api_client, code)
    assert again.status_code == 400
    assert again.json()["code"] == "code_expired" and list(again.json()["errors"]) == ["code"]


def test_an_expired_code_is_refused(api_client, ask_code):
    _, code = ask_code()
    OneTimeCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = _verify(api_client, code)
    assert response.status_code == 400
    assert response.json()["code"] == "code_expired" and list(response.json()["errors"]) == ["code"]


def test_wrong_codes_are_counted_and_lock_the_code(api_client, ask_code, settings):
    settings.OTP_MAX_ATTEMPTS = 3
    _, code = ask_code()
    wrong = "000000" if code != "000000" else "111111"
    first = _verify(api_client, wrong)
    assert first.status_code == 400
    assert first.json()["code"] == "code_wrong" and list(first.json()["errors"]) == ["code"]
    _verify(api_client, wrong)
    third = _verify(api_client, wrong)
    assert third.json()["code"] == "code_locked"
    assert OneTimeCode.objects.get().attempts == 3
    # Even the right code no longer opens it.
    assert _verify(api_client, code).status_code == 400
    assert not get_user_model().objects.filter(username=MOBILE).exists()


def test_a_new_code_replaces_the_previous_one(api_client, ask_code):
    _, old = ask_code()
    _, new = ask_code()
    if old != new:
        assert _verify(api_client, old).status_code == 400
    assert _verify(api_client, new).status_code == 200


def test_code_request_is_throttled_per_mobile(ask_code, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "otp_request_mobile": "2/hour"}
    assert ask_code()[0].status_code == 202
    assert ask_code("۰۹۱۲۱۲۳۴۵۶۷")[0].status_code == 202  # the same number, typed otherwise
    third, _ = ask_code()
    assert third.status_code == 429
    assert ask_code("09350000000")[0].status_code == 202  # another number is not held back


def test_code_request_is_throttled_per_ip(ask_code, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "otp_request_ip": "1/hour"}
    assert ask_code("09120000001")[0].status_code == 202
    assert ask_code("09120000002")[0].status_code == 429


def test_an_invalid_mobile_is_refused(ask_code):
    response, _ = ask_code("12345")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"  # the serializer's pattern
    assert list(response.json()["errors"]) == ["mobile"]
    assert not OutboxMessage.objects.exists()


def test_a_staff_account_cannot_be_opened_by_sms(ask_code):
    UserFactory(username=MOBILE)  # has a password
    response, _ = ask_code()
    assert response.status_code == 400
    assert response.json()["code"] == "staff_number"
    assert list(response.json()["errors"]) == ["mobile"]
    assert not OutboxMessage.objects.exists()


def test_sms_cap_per_mobile_holds_across_api_and_public_pages(ask_code, client, settings):
    """The cap lives in the service: codes asked through the portal count for the API too."""
    from empowerment.kernel.residents import otp_request

    settings.OTP_MAX_PER_MOBILE = 2
    otp_request(mobile=MOBILE)  # as the public confirmation page does
    assert ask_code()[0].status_code == 202
    refused, _ = ask_code("+98 912 123 4567")
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert OneTimeCode.objects.filter(mobile=MOBILE).count() == 2
    # An hour later the number may ask again.
    OneTimeCode.objects.update(created_at=timezone.now() - datetime.timedelta(hours=2))
    assert ask_code()[0].status_code == 202
