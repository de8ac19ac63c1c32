"""A resident submits an idea to an open call from the public page, confirming their mobile
with a one-time SMS code; nothing is written before the code, and it is written once."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from empowerment.kernel.jalali import format_jalali
from empowerment.kernel.models import OneTimeCode, OutboxMessage
from empowerment.kernel.persian import to_persian_digits
from empowerment.kernel.residents import otp_request
from empowerment.kernel.sms import ConsoleSMSBackend
from programs.models import Idea
from tests.centres.factories import CentreFactory, staff_user
from tests.codes import form_codes, page_codes
from tests.programs.factories import close_call, make_call

from .conftest import MOBILE, last_code

pytestmark = pytest.mark.django_db


def idea_data(**changes):
    return {
        "title": "كارگاه ميناكاري خانگي",  # Arabic ك and ي, as some keyboards type them
        "summary": "تولید ظروف میناکاری با نام حصه و فروش در نمایشگاه",
        "team_members": "نرگس حیدری\nزهرا کاظمی",
        "support_needed": "کوره و آموزش فروش",
        "jobs_expected": "۴",  # Persian digits from a phone keyboard
        "submitter_name": "نرگس حیدری",
        "submitter_mobile": "+98 912 123 4567",
        "neighbourhood": "",
        **changes,
    }


def submit(post_and_send, call, **changes):
    return post_and_send(reverse("public_call_detail", args=[call.pk]), idea_data(**changes))


def test_open_calls_are_listed_and_linked_from_every_public_page(client, open_call):
    other = CentreFactory(name="مرکز کرج")
    make_call(centre=other, title="فراخوان آینده", open_days=(5, 20))
    make_call(centre=other, title="فراخوان گذشته", open_days=(-30, -1))
    make_call(centre=CentreFactory(is_active=False), title="فراخوان مرکز بسته")
    home = client.get(reverse("home")).content.decode()
    assert reverse("public_call_list") in home  # in the navigation
    response = client.get(reverse("public_call_list"))
    assert response.status_code == 200
    assert [c.title for c in response.context["calls"]] == ["فراخوان جذب ایده حصه"]
    body = response.content.decode()
    assert reverse("public_call_detail", args=[open_call.pk]) in body
    assert "فراخوان آینده" not in body and "فراخوان گذشته" not in body


def test_the_centre_page_lists_its_open_call(client, open_call, hesseh_centre):
    body = client.get(reverse("centre_detail", args=[hesseh_centre.pk])).content.decode()
    assert "فراخوان جذب ایده حصه" in body
    assert reverse("public_call_detail", args=[open_call.pk]) in body


def test_open_call_page_shows_dates_criteria_and_the_form(client, open_call):
    response = client.get(reverse("public_call_detail", args=[open_call.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "نوآوری" in body and "اشتغال محلی" in body  # the criteria the ideas are judged by
    for field in ("title", "summary", "team_members", "support_needed", "jobs_expected"):
        assert f'name="{field}"' in body
    assert 'name="submitter_mobile"' in body and 'name="submitter_name"' in body
    # Only the neighbourhoods the centre serves are offered.
    choices = list(response.context["form"].fields["neighbourhood"].queryset)
    assert [n.name for n in choices] == ["حصه"]


def test_closed_call_offers_no_form_and_refuses_a_submission(client, post_and_send, open_call):
    close_call(open_call, days_ago=1)
    page = client.get(reverse("public_call_detail", args=[open_call.pk]))
    assert page.context["form"] is None
    assert page_codes(page) == ["call_not_open"]
    assert format_jalali(open_call.closes_on) in page.context["closed_message"]
    response = submit(post_and_send, open_call)
    assert response.status_code == 200
    assert response.context["form"] is None
    assert page_codes(response) == ["call_not_open"]
    assert ConsoleSMSBackend.outbox == []
    assert not OneTimeCode.objects.exists()
    assert not Idea.objects.exists()


def test_a_call_not_open_yet_says_when_it_opens(client, hesseh_centre):
    later = make_call(centre=hesseh_centre, title="فراخوان بهار", open_days=(3, 30))
    page = client.get(reverse("public_call_detail", args=[later.pk]))
    assert page_codes(page) == ["call_not_open"]
    assert format_jalali(later.opens_on) in page.context["closed_message"]


def test_unknown_call_or_inactive_centre_is_404(client):
    hidden = make_call(centre=CentreFactory(is_active=False))
    assert client.get(reverse("public_call_detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("public_call_detail", args=[999999])).status_code == 404


def test_invalid_details_get_errors_and_no_code_is_sent(post_and_send, open_call):
    response = submit(post_and_send, open_call, title="", submitter_mobile="12345")
    assert response.status_code == 200
    errors = form_codes(response.context["form"])
    assert errors == {"title": ["required"], "submitter_mobile": ["mobile_invalid"]}
    assert ConsoleSMSBackend.outbox == []
    assert not OneTimeCode.objects.exists()


def test_details_then_code_submit_the_idea_once_as_the_resident(client, post_and_send, open_call):
    step1 = submit(post_and_send, open_call)
    assert step1.status_code == 302
    confirm_url = step1["Location"]
    # The code went by SMS to the normalised number; nothing is written to Idea yet.
    assert ConsoleSMSBackend.outbox[-1]["to"] == MOBILE
    assert not Idea.objects.exists()
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert "۰۹۱۲***۴۵۶۷" in page.content.decode()  # the number, masked
    assert "فراخوان" not in ConsoleSMSBackend.outbox[-1]["to"]

    done = client.post(confirm_url, {"code": last_code()}, follow=True)
    assert done.status_code == 200
    idea = Idea.objects.get()
    # The resident lands on the page of what was sent, its tracking number at the top, no
    # form to send again; the same number goes by SMS.
    assert done.redirect_chain[-1][0] == reverse("public_tracked", args=[idea.tracking_number])
    assert re.fullmatch(r"1[0-9]{9}", idea.tracking_number)
    assert done.context["tracked"].number == idea.tracking_number
    assert to_persian_digits(idea.tracking_number) in done.content.decode()
    assert "form" not in done.context
    receipt = OutboxMessage.objects.get(key=f"tracking-receipt:{idea.tracking_number}")
    assert receipt.recipient == MOBILE
    assert to_persian_digits(idea.tracking_number) in receipt.text
    assert page_codes(done) == ["idea_received"]
    assert idea.call == open_call
    assert idea.title == "کارگاه میناکاری خانگی"  # normalised
    assert idea.jobs_expected == 4
    assert idea.team_members == "نرگس حیدری\nزهرا کاظمی"
    assert idea.submitter_mobile == MOBILE
    assert idea.status == Idea.Status.SUBMITTED
    resident = get_user_model().objects.get(username=MOBILE)
    assert idea.submitter == resident and not resident.has_usable_password()

    # The same code sent again (a double click) writes nothing more.
    again = client.post(confirm_url, {"code": last_code()}, follow=True)
    assert again.status_code == 200
    assert page_codes(again) == ["already_confirmed"]
    assert Idea.objects.count() == 1


def test_wrong_code_is_refused_and_nothing_is_saved(client, post_and_send, open_call):
    confirm_url = submit(post_and_send, open_call)["Location"]
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(confirm_url, {"code": wrong})
    assert response.status_code == 200
    assert form_codes(response.context["form"]) == {"code": ["code_wrong"]}
    assert not Idea.objects.exists()
    # The right code still works afterwards, in Persian digits too.
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert client.post(confirm_url, {"code": persian}).status_code == 302
    assert Idea.objects.count() == 1


def test_expired_code_is_refused_and_a_new_one_can_be_sent(client, post_and_send, open_call):
    confirm_url = submit(post_and_send, open_call)["Location"]
    old = last_code()
    OneTimeCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(confirm_url, {"code": old})
    assert form_codes(response.context["form"]) == {"code": ["code_expired"]}
    assert not Idea.objects.exists()

    resent = post_and_send(confirm_url, {"resend": "1"}, follow=True)
    assert page_codes(resent) == ["code_sent"]
    assert len(ConsoleSMSBackend.outbox) == 2
    assert client.post(confirm_url, {"code": last_code()}).status_code == 302
    assert Idea.objects.count() == 1


def test_the_call_closing_before_the_code_drops_the_request(client, post_and_send, open_call):
    confirm_url = submit(post_and_send, open_call)["Location"]
    close_call(open_call, days_ago=1)
    response = client.post(confirm_url, {"code": last_code()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("public_call_detail", args=[open_call.pk])
    assert page_codes(response) == ["no_longer_open", "call_not_open"]  # message, notice
    assert not Idea.objects.exists()
    # The code was not used up on a refused idea.
    assert OneTimeCode.objects.get().used_at is None


def test_another_browser_cannot_confirm_a_request_it_did_not_make(post_and_send, open_call):
    confirm_url = submit(post_and_send, open_call)["Location"]
    stranger = Client()
    response = stranger.post(confirm_url, {"code": last_code()}, follow=True)
    assert page_codes(response) == ["request_unknown"]
    assert not Idea.objects.exists()


def test_change_details_fills_the_form_again(client, post_and_send, open_call):
    confirm_url = submit(post_and_send, open_call)["Location"]
    token = confirm_url.rstrip("/").rsplit("/", 1)[-1]
    page = client.get(reverse("public_call_detail", args=[open_call.pk]), {"edit": token})
    assert page.context["form"].initial["submitter_mobile"] == MOBILE
    assert page.context["form"].initial["title"] == "کارگاه میناکاری خانگی"


def test_codes_asked_too_often_are_refused_with_429(post_and_send, open_call, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "otp_request_mobile": "2/hour"}
    for _ in range(2):
        assert submit(post_and_send, open_call).status_code == 302
    response = submit(post_and_send, open_call)
    assert response.status_code == 429
    assert form_codes(response.context["form"]) == {"__all__": ["rate_limited"]}
    assert len(ConsoleSMSBackend.outbox) == 2


def test_codes_checked_too_often_from_one_address_are_refused(
    client, post_and_send, open_call, settings
):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "otp_verify": "2/minute"}
    confirm_url = submit(post_and_send, open_call)["Location"]
    for _ in range(2):
        client.post(confirm_url, {"code": "999999"})
    response = client.post(confirm_url, {"code": last_code()})
    assert response.status_code == 429
    assert not Idea.objects.exists()


def test_a_staff_number_cannot_be_confirmed_by_sms(post_and_send, open_call, hesseh_centre):
    staff_user(MOBILE, "centre_staff", hesseh_centre)
    response = submit(post_and_send, open_call)
    assert response.status_code == 200
    assert form_codes(response.context["form"]) == {"submitter_mobile": ["staff_number"]}
    assert ConsoleSMSBackend.outbox == []


def test_the_sms_cap_per_mobile_counts_codes_sent_through_the_api_too(
    post_and_send, open_call, settings
):
    settings.OTP_MAX_PER_MOBILE = 1
    otp_request(mobile="09121234567")  # asked through the API a moment ago
    response = submit(post_and_send, open_call)
    assert response.status_code == 429
    assert form_codes(response.context["form"]) == {"__all__": ["rate_limited"]}
    assert OneTimeCode.objects.filter(mobile="09121234567").count() == 1
