"""The admin's two-step sign-in in a real browser: a manager with the demo's authenticator
types its code after the password; a new manager enrols an app from the QR page first."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from empowerment.kernel import second_factor
from empowerment.kernel.demo_second_factor import DEMO_TOTP_SECRETS
from tests.browser.conftest import admin_sign_in, non_local_requests
from tests.centres.factories import CentreFactory, staff_user
from tests.security.test_second_factor import totp

pytestmark = pytest.mark.browser


@pytest.fixture
def centre(transactional_db):
    return CentreFactory(name="مرکز توانمندسازی حصه")


def test_a_manager_signs_in_with_the_demo_authenticator(page, live_server, centre, password):
    manager = staff_user("manager.isfahan", "centre_manager", centre)
    second_factor.device_set(user=manager, secret=DEMO_TOTP_SECRETS["manager.isfahan"])

    # The password alone leaves the person on the sign-in form.
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "manager.isfahan")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page.locator(".errornote")).to_have_count(1)
    assert "/admin/login/" in page.url

    admin_sign_in(page, live_server, "manager.isfahan", password)
    assert page.url.rstrip("/").endswith("/admin")
    assert page.locator("#user-tools").count() == 1
    assert non_local_requests(page.requested_urls) == []


def test_a_new_manager_enrols_an_authenticator(page, live_server, centre, password, screenshot):
    staff_user("manager.new", "centre_manager", centre)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "manager.new")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/second-factor/")
    assert page.locator("#second-factor-qr svg").count() == 1
    screenshot("enrol")
    secret = page.inner_text("#second-factor-secret").strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)

    page.fill("#id_otp_token", totp(secret))
    page.click("#second-factor-form input[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/admin/")
    assert page.locator("#user-tools").count() == 1
