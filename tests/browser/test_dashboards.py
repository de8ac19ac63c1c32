"""The dashboards as a council member sees them, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from centres.models import Indicator
from empowerment.dashboards.figures import format_number
from tests.browser.conftest import non_local_requests, sign_in

pytestmark = pytest.mark.browser


def table_rows(page, figure_slug):
    return page.eval_on_selector_all(
        f"#figure-{figure_slug} tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))",
    )


def test_council_member_reads_the_neighbourhoods_dashboard(
    page, live_server, council_member, password, screenshot
):
    # Signing in from the dashboard's own sign-in page leads back to the page asked for.
    sign_in(page, live_server, council_member.username, password, "/dashboard/neighbourhoods/")
    assert page.url.startswith(f"{live_server.url}/dashboard/neighbourhoods/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px Vazirmatn'))")
    assert "Vazirmatn" in page.evaluate("getComputedStyle(document.body).fontFamily")
    # It opens on the latest year with figures (1404), charts drawn beside their tables.
    assert page.input_value("select[name=year]") == "1404"
    page.wait_for_selector("canvas[data-rendered='1']")
    assert page.locator("canvas[data-rendered='1']").count() == 3
    assert page.evaluate(
        "Array.from(document.querySelectorAll('canvas')).every(c => c.width > 0 && c.height > 0)"
    )
    screenshot("1404")

    # Change the year filter as a person would; the URL carries it.
    page.select_option("select[name=year]", "1403")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"[?&]year=1403"))
    page.wait_for_selector("canvas[data-rendered='1']")

    # The neighbourhood table shows the database's figures, in Persian digits.
    shown = {row[0]: row for row in table_rows(page, "neighbourhoods")}
    expected = Indicator.objects.filter(
        year=1403, quarter=None, neighbourhood__district__city__name="اصفهان"
    ).select_related("neighbourhood")
    assert set(shown) == {i.neighbourhood.name for i in expected}
    for indicator in expected:
        row = shown[indicator.neighbourhood.name]
        assert row[3] == format_number(indicator.population)
        assert row[4] == format_number(indicator.youth_share, 1)
    assert "اسلام‌آباد" not in page.content()  # Karaj is outside the member's scope

    # District 14 against the rest: population as the sum of its neighbourhoods.
    districts = {row[0]: row for row in table_rows(page, "districts")}
    d14 = sum(i.population for i in expected if i.neighbourhood.district.number == 14)
    assert districts["منطقه ۱۴"][1] == format_number(d14)
    screenshot("1403")

    # Printed: no navigation, no filters, no export links.
    page.emulate_media(media="print")
    assert not page.is_visible("form.filters")
    assert not page.is_visible(".dashboard-nav")
    screenshot("1403-print")
    page.emulate_media(media="screen")

    # Nothing was fetched from anywhere but the portal itself (no CDN).
    assert page.requested_urls
    assert non_local_requests(page.requested_urls) == []


def test_the_landing_page_links_the_neighbourhoods_dashboard(council_page, live_server, screenshot):
    council_page.click("main a[href='/dashboard/neighbourhoods/']")
    expect(council_page.locator("h1")).to_have_text("محله‌ها")
    assert council_page.url.startswith(f"{live_server.url}/dashboard/neighbourhoods/")
    screenshot("neighbourhoods")
    assert non_local_requests(council_page.requested_urls) == []
