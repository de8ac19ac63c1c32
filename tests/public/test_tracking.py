"""Residents follow what they sent: a tracking number on every idea and request to join,
shown where they land after the code and sent by SMS; with the number and an SMS code to
the mobile it was sent with, any browser shows its status and the centre's answer.

Attacked: another browser without the code, a number of someone else, a wrong mobile (the
same answer as an unknown number), numbers tried in bulk, a forged number in the URL,
another script's digits, and the decision before the call published it."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from empowerment.kernel.models import OneTimeCode
from empowerment.kernel.persian import to_persian_digits
from empowerment.kernel.sms import ConsoleSMSBackend
from empowerment.kernel.tracking import tracking_number_new, tracking_number_read
from empowerment.public import services as participation
from programs.models import Idea
from programs.services.ideas import idea_submit
from tests.programs.factories import make_call
from trainees.services import cohort_interest_register

from .conftest import MOBILE, last_code

pytestmark = pytest.mark.django_db

OTHER_MOBILE = "09137654321"


@pytest.fixture
def idea(open_call):
    return idea_submit(
        call=open_call,
        title="کارگاه میناکاری خانگی",
        summary="کارگاهی کوچک در خانه برای زنان محله",
        submitter_name="نرگس حیدری",
        submitter_mobile=MOBILE,
    )


@pytest.fixture
def browser(django_capture_on_commit_callbacks):
    """Another phone: a client of its own (no session of the sender)."""
    other = Client()

    def post(url, data, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return other.post(url, data, **kwargs)

    other.post_and_send = post
    return other


def ask_code(browser, number, mobile):
    return browser.post_and_send(reverse("public_track"), {"number": number, "mobile": mobile})


def test_numbers_are_ten_digits_of_their_kind_and_read_in_any_script():
    number = tracking_number_new("1", taken=lambda n: False)
    assert len(number) == 10 and number[0] == "1"
    spaced = f"{to_persian_digits(number[:5])} - {number[5:]}"
    assert tracking_number_read(spaced) == number
    assert tracking_number_read("١٢٣٤٥٦٧٨٩٠") == "1234567890"  # Arabic-Indic
    for bad in ("", "123", "0123456789", "12345678901", "1234abcd90", None):
        assert tracking_number_read(bad) is None
    taken = {number}
    again = tracking_number_new("1", taken=lambda n: n in taken or taken.add(n) is not None)
    assert again != number


def test_another_phone_follows_an_idea_with_the_number_and_the_code(browser, idea):
    page = reverse("public_tracked", args=[idea.tracking_number])
    # Without the code: asked for the mobile first, nothing shown.
    first = browser.get(page)
    assert first.status_code == 302 and first["Location"].startswith(reverse("public_track"))
    assert idea.title not in browser.get(first["Location"]).content.decode()

    typed = to_persian_digits(f"{idea.tracking_number[:4]} {idea.tracking_number[4:]}")
    step1 = ask_code(browser, typed, to_persian_digits(MOBILE))
    assert step1.status_code == 302
    assert ConsoleSMSBackend.outbox[-1]["to"] == MOBILE
    done = browser.post(step1["Location"], {"code": last_code()}, follow=True)
    assert done.redirect_chain[-1][0] == page
    tracked = done.context["tracked"]
    assert tracked.number == idea.tracking_number
    assert tracked.status == Idea.Status.SUBMITTED.label
    body = done.content.decode()
    assert idea.title in body
    assert MOBILE not in body and to_persian_digits(MOBILE) not in body
    # The browser may come back to it for the rest of its session.
    assert browser.get(page).status_code == 200


def test_a_wrong_mobile_gets_the_same_answer_as_an_unknown_number(browser, idea):
    wrong_mobile = ask_code(browser, idea.tracking_number, OTHER_MOBILE)
    unknown = "1" + ("0" if idea.tracking_number[1] != "0" else "1") + idea.tracking_number[2:]
    unknown_number = ask_code(browser, unknown, MOBILE)
    for response in (wrong_mobile, unknown_number):
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
    assert (
        wrong_mobile.context["form"].non_field_errors()
        == unknown_number.context["form"].non_field_errors()
    )
    assert not OneTimeCode.objects.exists() and ConsoleSMSBackend.outbox == []
    with pytest.raises(participation.TrackingNotFound) as refused:
        participation.participation_track_request(
            session={}, ip_address="10.0.0.9", number=idea.tracking_number, mobile=OTHER_MOBILE
        )
    assert refused.value.code == "tracking_not_found"


def test_numbers_cannot_be_tried_in_bulk(browser, idea, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "otp_request_ip": "3/hour"}
    cache.clear()
    for serial in range(3):
        assert ask_code(browser, f"1{serial:09d}", MOBILE).status_code == 200
    # The right pair, once the address used its tries: refused, no code sent.
    assert ask_code(browser, idea.tracking_number, MOBILE).status_code == 429
    assert not OneTimeCode.objects.exists()


def test_a_code_for_one_number_shows_no_other(browser, idea, open_call):
    other = idea_submit(
        call=open_call,
        title="فروشگاه اینترنتی صنایع دستی",
        summary="فروش آنلاین",
        submitter_name="زهرا کاظمی",
        submitter_mobile=OTHER_MOBILE,
    )
    step1 = ask_code(browser, idea.tracking_number, MOBILE)
    browser.post(step1["Location"], {"code": last_code()})
    forged = browser.get(reverse("public_tracked", args=[other.tracking_number]))
    assert forged.status_code == 302
    for garbage in ("abc", "0" * 10, "1" * 30, "%D9%A1"):
        assert browser.get(f"/track/{garbage}/").status_code == 302


def test_the_decision_is_told_once_published_with_the_centres_answer(
    browser, idea, open_call, hesseh_centre
):
    idea.status = Idea.Status.REJECTED
    idea.decision_note = "ایده در حوزه فراخوان نیست."
    idea.save()
    step1 = ask_code(browser, idea.tracking_number, MOBILE)
    done = browser.post(step1["Location"], {"code": last_code()}, follow=True)
    assert done.context["tracked"].status == Idea.Status.UNDER_REVIEW.label
    assert idea.decision_note not in done.content.decode()

    open_call.decisions_published_at = timezone.now()
    open_call.save()
    page = browser.get(reverse("public_tracked", args=[idea.tracking_number]))
    assert page.context["tracked"].status == Idea.Status.REJECTED.label
    assert idea.decision_note in page.content.decode()


def test_a_request_to_join_is_followed_too(browser, planned_cohort):
    interest, _created = cohort_interest_register(
        cohort=planned_cohort, name="زهرا کاظمی", mobile=MOBILE
    )
    assert interest.tracking_number.startswith("2")
    step1 = ask_code(browser, interest.tracking_number, MOBILE)
    done = browser.post(step1["Location"], {"code": last_code()}, follow=True)
    assert done.context["tracked"].title == planned_cohort.title
    assert done.context["tracked"].status == interest.get_state_display()


def test_every_idea_gets_its_own_number(open_call):
    call = make_call(centre=open_call.centre, title="فراخوان دوم")
    numbers = {
        idea_submit(
            call=call,
            title=f"ایده {n}",
            summary="خلاصه",
            submitter_name="نام",
            submitter_mobile=MOBILE,
        ).tracking_number
        for n in range(5)
    }
    assert len(numbers) == 5 and all(n.startswith("1") for n in numbers)
