"""A resident books counselling on their centre's page: the code by SMS, the tracking
number, the receipt with a cancel link, cancelling by the link or after an SMS code on the
tracking page; the slot is never booked twice; forged slots, tokens and numbers refused."""

import re

import pytest
from django.urls import reverse

from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.sms import ConsoleSMSBackend
from tests.codes import message_codes, page_codes
from tests.trainees.counselling_world import book, counsellor_at, topic
from trainees import services
from trainees.models import CounsellingBooking

from .conftest import MOBILE, last_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def counselling(hesseh_centre):
    counsellor_at(hesseh_centre)
    topic()
    return hesseh_centre


def _ask(post_and_send, centre, slot=None, mobile=MOBILE, **extra):
    slot = slot or services.counselling_slots(centre=centre)[0]
    data = {"slot": slot.key, "topic": topic().pk, "name": "مریم احمدی", "mobile": mobile}
    return post_and_send(reverse("public_counselling", args=[centre.pk]), {**data, **extra})


def test_the_centre_page_offers_counselling(client, counselling):
    page = client.get(reverse("centre_detail", args=[counselling.pk]))
    assert reverse("public_counselling", args=[counselling.pk]) in page.content.decode()
    form = client.get(reverse("public_counselling", args=[counselling.pk]))
    assert form.status_code == 200
    assert "راهنمایی شغلی" in form.content.decode()


def test_a_centre_without_counsellor_says_so(client, hesseh_centre):
    page = client.get(reverse("public_counselling", args=[hesseh_centre.pk]))
    assert page_codes(page) == ["no_free_slots"]
    centre_page = client.get(reverse("centre_detail", args=[hesseh_centre.pk]))
    link = reverse("public_counselling", args=[hesseh_centre.pk])
    assert link not in centre_page.content.decode()


def test_booking_is_written_after_the_code_with_a_tracking_number(
    client, post_and_send, counselling, django_capture_on_commit_callbacks
):
    step1 = _ask(post_and_send, counselling, mobile="۰۹۱۲۱۲۳۴۵۶۷")
    assert step1.status_code == 302, step1.content.decode()[:2000]
    assert ConsoleSMSBackend.outbox[-1]["to"] == MOBILE
    assert not CounsellingBooking.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(step1["Location"], {"code": last_code()}, follow=True)
    booking = CounsellingBooking.objects.get()
    assert booking.mobile == MOBILE and booking.user is not None
    assert message_codes(done) == ["booking_received"]
    assert booking.tracking_number in re.sub(r"\D", "", _ascii(done.content.decode()))
    receipt = OutboxMessage.objects.get(key=f"counselling-receipt:{booking.pk}")
    assert receipt.sensitive and "/counselling/cancel/" not in receipt.text  # blanked once sent
    sent = ConsoleSMSBackend.outbox[-1]
    assert sent["to"] == MOBILE and "/counselling/cancel/" in sent["text"]
    # The tracking page shows the booking's state.
    tracked = client.get(reverse("public_tracked", args=[booking.tracking_number]))
    assert tracked.context["tracked"].status == booking.get_status_display()


def _ascii(text):
    return text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))


def test_a_slot_taken_while_the_code_was_on_its_way(client, post_and_send, counselling):
    slot = services.counselling_slots(centre=counselling)[0]
    step1 = _ask(post_and_send, counselling, slot=slot)
    book(counselling, slot=slot, mobile="09129999999")  # a walk-in at the desk meanwhile
    done = client.post(step1["Location"], {"code": last_code()}, follow=True)
    assert "no_longer_open" in message_codes(done)
    assert CounsellingBooking.objects.count() == 1


def test_a_taken_or_forged_slot_is_refused_before_any_code(client, post_and_send, counselling):
    slot = services.counselling_slots(centre=counselling)[0]
    book(counselling, slot=slot, mobile="09129999999")
    taken = _ask(post_and_send, counselling, slot=slot)
    assert taken.status_code == 200
    assert taken.context["form"].has_error("slot")
    forged_slot = type(slot)(1, "x", slot.starts_at.replace(year=2020), slot.ends_at)
    forged = _ask(post_and_send, counselling, slot=forged_slot)
    assert forged.context["form"].has_error("slot", "invalid_choice")
    assert ConsoleSMSBackend.outbox == []


def test_cancel_by_the_signed_link(client, counselling):
    booking = book(counselling)
    url = reverse("public_counselling_cancel", args=[services.booking_cancel_token(booking)])
    page = client.get(url)
    assert page.status_code == 200
    booking.refresh_from_db()
    assert booking.status == "booked"  # a GET (an SMS app's preview) never cancels
    done = client.post(url, follow=True)
    booking.refresh_from_db()
    assert booking.status == "cancelled" and message_codes(done) == ["cancelled"]
    # Replayed: nothing more happens.
    client.post(url)
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_a_forged_cancel_link_is_not_found(client, counselling):
    booking = book(counselling)
    token = services.booking_cancel_token(booking)
    for forged in (token[:-2] + "xx", "abc", str(booking.pk)):
        assert client.get(reverse("public_counselling_cancel", args=[forged])).status_code == 404
        assert client.post(reverse("public_counselling_cancel", args=[forged])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_cancel_after_an_sms_code_on_the_tracking_page(client, post_and_send, counselling):
    booking = book(counselling, mobile=MOBILE)
    cancel = reverse("public_counselling_cancel_tracked", args=[booking.tracking_number])
    # Without proving the mobile: sent to the tracking form, nothing cancelled.
    assert client.post(cancel).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "booked"
    step1 = post_and_send(
        reverse("public_track"), {"number": booking.tracking_number, "mobile": MOBILE}
    )
    assert step1.status_code == 302
    client.post(step1["Location"], {"code": last_code()})
    done = client.post(cancel, follow=True)
    booking.refresh_from_db()
    assert booking.status == "cancelled" and "cancelled" in message_codes(done)


def test_another_browser_cannot_cancel_by_number(client, counselling):
    booking = book(counselling)
    client.post(reverse("public_counselling_cancel_tracked", args=[booking.tracking_number]))
    booking.refresh_from_db()
    assert booking.status == "booked"
