"""The admin under the portal's Content-Security-Policy, in a real browser: the pages, the
Jalali date picker (jQuery UI, which writes inline style attributes) and a search. The
shared `browser` fixture fails the test on any policy violation or console error."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.conftest import admin_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def administrator(password):
    from empowerment.kernel import second_factor

    root = get_user_model().objects.create_superuser("root", "root@example.com", password)
    # Administrators sign in with their authenticator's code (tests/security).
    second_factor.device_set(user=root, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return root


def test_admin_pages_and_the_date_picker_run_under_the_csp(
    page, live_server, administrator, password, screenshot
):
    response = page.goto(f"{live_server.url}/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    admin_sign_in(page, live_server, "root", password, next_path="/admin/centres/meeting/add/")
    assert page.url.endswith("/admin/centres/meeting/add/")
    page.click("#id_date")
    page.wait_for_selector("#ui-datepicker-div", state="visible")
    # The picker works: the next month, then a day, written into the field in Jalali.
    page.click("#ui-datepicker-div .ui-datepicker-next")
    page.click("#ui-datepicker-div td[data-handler=selectDay] a >> nth=9")
    assert page.input_value("#id_date").startswith("14")
    screenshot("date-picker")
    page.goto(f"{live_server.url}/admin/trainees/trainee/?q=0012345679")
    expect(page.locator("#changelist-search")).to_be_visible()
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#content-main")).to_be_visible()
