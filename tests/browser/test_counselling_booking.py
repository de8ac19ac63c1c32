"""A resident books counselling on a phone, in a real browser: from the centre's page to the
booking form, the SMS code (read from the console backend), the tracking page with the
booking's status, and cancelling there."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from empowerment.kernel.persian import to_persian_digits
from empowerment.kernel.sms import ConsoleSMSBackend
from tests.browser.conftest import SCREENSHOTS
from tests.trainees.counselling_world import counsellor_at, topic
from trainees.models import CounsellingBooking

pytestmark = pytest.mark.browser

MOBILE = "09131234567"


def test_a_resident_books_counselling_on_a_phone(browser, live_server, places):
    centre = places["centre"]
    counsellor_at(centre)
    topic()
    context = browser.new_context(
        locale="fa-IR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    try:
        phone.goto(f"{live_server.url}/centres/{centre.pk}/")
        phone.click("#book-counselling")
        phone.wait_for_url("**/counselling/")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.select_option("#id_slot", index=1)
        phone.select_option("#id_topic", label="راهنمایی شغلی")
        phone.fill("#id_name", "مریم احمدی")
        phone.fill("#id_mobile", to_persian_digits(MOBILE))  # a Persian keyboard
        phone.screenshot(path=str(SCREENSHOTS / "counselling-1-phone-390.png"), full_page=True)
        phone.click("form.resident-form button[type=submit]")
        phone.wait_for_url("**/confirm/**")
        assert not CounsellingBooking.objects.exists()  # nothing written before the code
        code = re.search(r"\d{6}", ConsoleSMSBackend.outbox[-1]["text"]).group()
        phone.fill("#id_code", code)
        phone.click("form.code-form button[type=submit]")
        phone.wait_for_url("**/track/**")
        booking = CounsellingBooking.objects.get()
        assert urlsplit(phone.url).path == f"/track/{booking.tracking_number}/"
        expect(phone.locator("#tracked-status")).to_have_text(
            str(CounsellingBooking.Status.BOOKED.label)
        )
        expect(phone.locator("#tracking-number")).to_be_in_viewport()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(SCREENSHOTS / "counselling-2-phone-390.png"), full_page=True)
        # Plans changed: cancelled from the same page.
        phone.click("#cancel-booking button")
        expect(phone.locator("#tracked-status")).to_have_text(
            str(CounsellingBooking.Status.CANCELLED.label)
        )
        booking.refresh_from_db()
        assert booking.status == CounsellingBooking.Status.CANCELLED
    finally:
        context.close()
