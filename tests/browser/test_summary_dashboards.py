"""The overview, calls-for-ideas and headquarters dashboards in a real browser, on the demo."""

import re

import pytest
from playwright.sync_api import expect

from centres.models import Resolution
from empowerment.dashboards.figures import format_number
from empowerment.kernel.jalali import local_today, to_jalali
from tests.browser.conftest import non_local_requests, sign_in
from tests.dashboard.test_summary_pages import in_training
from tests.once import committed_once, seed_demo
from trainees.models import Enrolment

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once for the module's tests, which only read it."""
    yield from committed_once(django_db_blocker, tmp_path_factory.mktemp("demo"), seed_demo)


@pytest.fixture
def transactional_db(demo, django_db_blocker):
    # The live server's tests share the committed demo: no flush after each.
    with django_db_blocker.unblock():
        yield


def table(page, slug):
    return page.eval_on_selector_all(
        f"#figure-{slug} tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))",
    )


def choose(page, name, value):
    page.select_option(f"select[name={name}]", value)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(rf"[?&]{name}={value}"))


def test_council_member_reads_every_summary_dashboard(
    page, live_server, demo, password, screenshot
):
    sign_in(page, live_server, "council.isfahan", password, "/dashboard/overview/")
    assert page.url.startswith(f"{live_server.url}/dashboard/overview/")
    page.wait_for_selector("canvas[data-rendered='1']")

    # Overview, year 1402 chosen through the filter: figures as in the database.
    choose(page, "year", "1402")
    assert re.search(r"[?&]year=1402", page.url)
    page.wait_for_selector("canvas[data-rendered='1']")
    isfahan = (
        Enrolment.objects.filter(cohort__centre__city__name="اصفهان")
        .select_related("cohort")
        .prefetch_related("cohort__sessions")
    )
    # Completions by the cohort's end; in training: as the summaries count the period
    # (tests/dashboard/test_summary_pages.py's in_training).
    done = [
        e
        for e in isfahan
        if e.status in ("certified", "not_certified") and to_jalali(e.cohort.end_date).year == 1402
    ]
    training = [e for e in isfahan if in_training(e, 1402)]
    rows = table(page, "training")
    assert rows[0][1] == format_number(len(done))
    assert rows[1][1] == format_number(len(training))
    months = [row[0] for row in table(page, "trend")]
    assert months[0] == "فروردین" and months[-1] == "اسفند"
    assert page.locator("#figure-gender canvas[data-rendered='1']").count() == 1
    screenshot("overview-1402")
    page.emulate_media(media="print")
    assert not page.is_visible("form.filters")
    screenshot("overview-1402-print")
    page.emulate_media(media="screen")

    # Calls for ideas.
    page.click("nav a[href='/dashboard/ideas/']")
    expect(page.locator("#figure-calls")).to_be_visible()
    calls = {row[0]: row for row in table(page, "calls")}
    assert "فراخوان جذب ایده‌های اشتغال محله حصه" in calls
    screenshot("ideas")

    # Headquarters: the Isfahan centre's opportunity-finding hours of 1401.
    page.click("nav a[href='/dashboard/headquarters/']")
    expect(page.locator("#figure-meetings")).to_be_visible()
    choose(page, "year", "1401")
    hours = table(page, "meetings")
    assert hours and hours[0][0].startswith("مرکز توانمندسازی")
    screenshot("headquarters-1401")
    assert non_local_requests(page.requested_urls) == []


def test_hq_secretary_sees_overdue_resolutions_first(page, live_server, demo, password, screenshot):
    sign_in(page, live_server, "secretary.alborz", password, "/dashboard/headquarters/?year=1403")
    rows = table(page, "overdue")
    today = local_today()
    overdue = list(Resolution.objects.overdue(today).order_by("deadline"))
    assert [row[5] for row in rows] == [format_number(r.days_overdue(today)) for r in overdue]
    screenshot("headquarters-alborz")
