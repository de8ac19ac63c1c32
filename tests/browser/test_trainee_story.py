"""The trainee's whole story in a real browser: from the trainee's page, the "full record"
button, every section on one page, right to left, with no policy violation."""

import pytest
from playwright.sync_api import expect

from empowerment.kernel import second_factor
from tests.browser.conftest import admin_sign_in
from tests.centres.factories import CentreFactory, staff_user
from tests.trainees.test_trainee_story import build_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SECTIONS = [
    "enrolments",
    "attendance",
    "certificates",
    "outcomes",
    "ideas",
    "interests",
    "products",
    "history",
]


def test_staff_open_the_full_record_from_the_trainees_page(page, live_server, password, screenshot):
    centre = CentreFactory(name="مرکز توانمندسازی مناطق ۱۰ و ۱۴")
    trainee = build_story(centre, cohorts=2, sessions=4)
    staff = staff_user("staff.hesseh", "centre_staff", centre)
    second_factor.device_set(user=staff, secret=SECRET)
    admin_sign_in(
        page, live_server, "staff.hesseh", password, f"/admin/trainees/trainee/{trainee.pk}/change/"
    )
    page.click("a.story-link")
    expect(page).to_have_url(f"{live_server.url}/admin/trainees/trainee/{trainee.pk}/story/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    for section in SECTIONS:
        expect(page.locator(f"#story-{section}")).to_be_visible()
    expect(page.locator("#story-attendance tr.attendance")).to_have_count(8)
    expect(page.locator("#story-certificates tr.certificate.revoked")).to_have_count(1)
    expect(page.locator("#story-outcomes tr.outcome")).to_have_count(6)
    expect(page.locator("#story-attendance td.date").first).to_have_text("۱۴۰۳/۰۲/۰۴")
    screenshot("story")
