"""The overview, calls-for-ideas and headquarters dashboards on the demo data: figures
checked against the database, scope, filters, query counts, and the summaries' refresh."""

import datetime
from collections import Counter

import jdatetime
import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from centres.models import Meeting, Resolution
from empowerment.celery import app as celery_app
from empowerment.dashboards.models import SummaryState, TrainingSummary
from empowerment.dashboards.summaries import summaries_refresh
from empowerment.kernel.jalali import local_today, to_jalali
from programs.models import Idea, Programme
from tests.once import built_once
from tests.trainees.factories import EnrolmentFactory
from trainees.models import Enrolment, Outcome, Sale

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("dashboard:overview")
IDEAS = reverse("dashboard:ideas")
HQ = reverse("dashboard:headquarters")


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo and its summaries, built once for the module's tests."""

    yield from built_once(
        django_db_blocker, tmp_path_factory.mktemp("demo"), summaries_refresh, demo=True
    )


@pytest.fixture
def demo(demo_once, db):
    pass


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def figure(response, slug):
    return next(f for f in response.context["figures"] if f.slug == slug)


def values(fig, key="value"):
    return {str(row["label"]): row[key] for row in fig.rows}


def label(text: str) -> str:
    """A row's label as the page shows it: its Persian when the catalogues are compiled,
    else the source text; either way the test reads the row, not the wording."""
    with translation.override("fa"):
        return gettext(text)


def jyear(day) -> int:
    return to_jalali(day).year


def certificate_day(e: Enrolment):
    return e.certificate_issued_on or e.cohort.end_date


def in_training(e: Enrolment, year: int) -> bool:
    """Enrolled in a cohort that held sessions in the year: by its last session there, and
    not dropped out before its first."""
    days = [
        s.date
        for s in e.cohort.sessions.all()
        if s.cancelled_at is None and jyear(s.date) == year and s.date <= local_today()
    ]
    if e.status == "waitlisted" or not days or e.enrolled_on > max(days):
        return False
    return not (e.status == "dropped" and (e.dropped_on or e.enrolled_on) < min(days))


def test_overview_figures_match_the_database_for_isfahan(client, demo):
    login(client, "council.isfahan")
    response = client.get(OVERVIEW, {"year": 1402})
    assert response.status_code == 200
    isfahan = (
        Enrolment.objects.filter(cohort__centre__city__name="اصفهان")
        .select_related("cohort", "trainee__neighbourhood")
        .prefetch_related("cohort__sessions")
    )
    # Completions by the cohort's end, certificates by their date.
    done = [
        e
        for e in isfahan
        if e.status in ("certified", "not_certified") and jyear(e.cohort.end_date) == 1402
    ]
    certified = [
        e for e in isfahan if e.status == "certified" and jyear(certificate_day(e)) == 1402
    ]
    training = [e for e in isfahan if in_training(e, 1402)]
    shown = values(figure(response, "training"))
    assert shown[label("Trainees trained (completed)")] == len(done) > 0
    assert shown[label("Trainees in training")] == len(training) > 0
    assert shown[label("Certificates")] == len(certified)
    by_gender = {str(r["label"]): r for r in figure(response, "gender").rows}
    female, male = by_gender[label("Female")], by_gender[label("Male")]
    assert female["completed"] == sum(e.trainee.gender == "female" for e in done)
    assert male["in_training"] == sum(e.trainee.gender == "male" for e in training)
    by_place = {r["name"]: r for r in figure(response, "neighbourhoods").rows}
    expected = Counter(e.trainee.neighbourhood.name for e in done if e.trainee.neighbourhood)
    assert {name: row["completed"] for name, row in by_place.items() if row["completed"]} == dict(
        expected
    )
    # Karaj (Alborz) is outside a member of Isfahan's council's scope.
    assert "اسلام‌آباد" not in response.content.decode()


def test_outcomes_and_sales_of_1403(client, demo):
    login(client, "admin")
    response = client.get(OVERVIEW, {"year": 1403})
    outcomes = values(figure(response, "outcomes"))
    rows = [o for o in Outcome.objects.all() if o.date.year == 1403]
    first = {}
    for o in sorted(rows, key=lambda o: (o.date, o.pk)):
        first.setdefault((o.trainee_id, o.kind), o)
    kinds = Counter(kind for (_t, kind) in first)
    assert outcomes[label("Employed")] == kinds["employed"]
    assert outcomes[label("Started a home business")] == kinds["home_business"]
    assert outcomes[label("Became an employer")] == kinds["employer"] > 0
    latest = {}
    for o in sorted(rows, key=lambda o: (o.date, o.pk)):
        if o.kind == "employer":
            latest[o.trainee_id] = o.employees_count
    assert outcomes[label("Jobs those employers created")] == sum(latest.values()) > 0
    sales = [s for s in Sale.objects.all() if s.date.year == 1403]
    total = next(r for r in figure(response, "sales").rows if r.get("_total"))
    assert total["sales_rials"] == sum(s.amount_rials for s in sales) > 0
    assert total["products_sold"] == sum(s.quantity for s in sales)


def test_months_are_jalali_months(client, demo):
    """The last day of Esfand 1402 and 1 Farvardin 1403 are in different Jalali months
    although both fall in Gregorian March 2024."""
    esfand = jdatetime.date(1402, 12, 29)
    farvardin = jdatetime.date(1403, 1, 1)
    assert esfand.togregorian().month == farvardin.togregorian().month == 3
    cohort = Enrolment.objects.filter(cohort__centre__city__name="اصفهان").first().cohort
    EnrolmentFactory(cohort=cohort, enrolled_on=esfand)
    EnrolmentFactory(cohort=cohort, enrolled_on=farvardin)
    EnrolmentFactory(cohort=cohort, enrolled_on=farvardin)
    summaries_refresh()
    login(client, "council.isfahan")
    trend_1402 = figure(client.get(OVERVIEW, {"year": 1402}), "trend")
    trend_1403 = figure(client.get(OVERVIEW, {"year": 1403, "quarter": 1}), "trend")
    assert [str(r["label"]) for r in trend_1403.rows] == ["فروردین", "اردیبهشت", "خرداد"]
    farvardin_before = Enrolment.objects.filter(
        enrolled_on__gte=farvardin, enrolled_on__lt=jdatetime.date(1403, 2, 1)
    ).filter(cohort__centre__city__name="اصفهان")
    assert trend_1403.rows[0]["enrolled"] == farvardin_before.count()
    esfand_rows = Enrolment.objects.filter(
        enrolled_on__gte=jdatetime.date(1402, 12, 1), enrolled_on__lt=farvardin
    ).filter(cohort__centre__city__name="اصفهان")
    assert trend_1402.rows[11]["label"] == "اسفند"
    assert trend_1402.rows[11]["enrolled"] == esfand_rows.count() >= 1


def test_programme_filter_narrows_the_overview(client, demo):
    login(client, "admin")
    business = Programme.objects.get(title__contains="کسب‌وکار")
    response = client.get(OVERVIEW, {"year": 1402, "programme": business.pk})
    assert response.context["filters"].selection["programme"] == business.pk
    programmes = {r["name"] for r in figure(response, "programmes").rows}
    assert programmes == {business.title}
    assert business.title in response.context["subtitle"]
    expected = Enrolment.objects.filter(
        cohort__programme=business, status__in=["certified", "not_certified"]
    ).count()
    assert values(figure(response, "training"))[label("Trainees trained (completed)")] == expected


def test_ideas_per_call_match_the_database(client, demo):
    login(client, "council.isfahan")
    response = client.get(IDEAS)
    year = response.context["filters"].period.year
    ideas = [
        i
        for i in Idea.objects.select_related("call")
        if to_jalali(i.created_at).year == year and i.call.centre.city.name == "اصفهان"
    ]
    calls = {r["name"]: r for r in figure(response, "calls").rows if not r.get("_total")}
    for title, count in Counter(i.call.title for i in ideas).items():
        assert calls[title]["received"] == count
    stages = values(figure(response, "stages"))
    assert stages[label("Received")] == len(ideas) > 0
    assert stages[label("Accepted")] == sum(i.status == "accepted" for i in ideas)
    assert stages[label("Rejected")] == sum(i.status == "rejected" for i in ideas)
    assert stages[label("Incubated")] == sum(i.follow_up == "incubated" for i in ideas)


def test_headquarters_overdue_first_with_days(client, demo):
    login(client, "secretary.alborz")
    response = client.get(HQ, {"year": 1403})
    today = local_today()
    overdue = list(Resolution.objects.overdue(today).order_by("deadline"))
    rows = figure(response, "overdue").rows
    assert [r["days"] for r in rows] == [r.days_overdue(today) for r in overdue]
    assert rows and rows[0]["days"] >= rows[-1]["days"] > 0
    status = values(figure(response, "status"))
    assert status[label("Total")] == Resolution.objects.count()
    assert status[label("Overdue")] == len(overdue)
    partners = figure(response, "responsible").rows
    assert partners[0]["overdue"] == max(r["overdue"] for r in partners)


def test_opportunity_meeting_hours_of_the_isfahan_centre(client, demo):
    login(client, "council.isfahan")
    hours = {}
    for year in (1400, 1401):
        rows = figure(client.get(HQ, {"year": year}), "meetings").rows
        hours[year] = sum(r["hours"] for r in rows)
    meetings = Meeting.objects.opportunity_finding()
    assert sum(hours.values()) == meetings.aggregate(h=Sum("duration_hours"))["h"] == 240


def test_council_member_does_not_see_another_province(client, demo):
    login(client, "council.isfahan")
    html = client.get(HQ, {"year": 1403}).content.decode()
    assert "البرز" not in html
    login(client, "secretary.alborz")
    response = client.get(OVERVIEW, {"year": 1402})
    assert "حصه" not in response.content.decode()


def test_an_edit_reaches_the_dashboard_at_the_next_refresh(client, demo, settings):
    login(client, "council.isfahan")
    before = values(figure(client.get(OVERVIEW, {"year": 1402}), "training"))
    enrolment = (
        Enrolment.objects.filter(status="enrolled", enrolled_on__lt=jdatetime.date(1403, 1, 1))
        .filter(cohort__centre__city__name="اصفهان")
        .first()
    )
    enrolment.status = "dropped"
    enrolment.drop_reason = "آزمون"
    enrolment.save()
    # Fresh summaries are read as they are...
    same = values(figure(client.get(OVERVIEW, {"year": 1402}), "training"))
    in_training = label("Trainees in training")
    assert same[in_training] == before[in_training]
    # ...until they are stale: without a broker the page rebuilds them itself.
    SummaryState.objects.update(refreshed_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    after = values(figure(client.get(OVERVIEW, {"year": 1402}), "training"))
    assert after[in_training] == before[in_training] - 1


def test_the_beat_schedule_refreshes_within_five_minutes():
    celery_app.loader.import_default_modules()  # what a worker or beat does on start
    entry = celery_app.conf.beat_schedule["dashboards-refresh-summaries"]
    assert entry["task"] == "empowerment.dashboards.tasks.dashboards_refresh_summaries"
    assert entry["schedule"] <= 300


def test_the_weekly_task_rebuilds_the_tables_and_the_refresh_task_follows_changes(demo):
    from empowerment.dashboards.tasks import (
        dashboards_rebuild_summaries,
        dashboards_refresh_summaries,
    )

    entry = celery_app.conf.beat_schedule["dashboards-rebuild-summaries"]
    assert entry["task"] == "empowerment.dashboards.tasks.dashboards_rebuild_summaries"
    TrainingSummary.objects.all().delete()
    dashboards_rebuild_summaries.delay()
    enrolled = TrainingSummary.objects.aggregate(n=Sum("enrolled"))["n"]
    assert enrolled == Enrolment.objects.exclude(status="waitlisted").count()
    EnrolmentFactory(cohort=Enrolment.objects.first().cohort)
    dashboards_refresh_summaries.delay()
    enrolled = TrainingSummary.objects.aggregate(n=Sum("enrolled"))["n"]
    assert enrolled == Enrolment.objects.exclude(status="waitlisted").count()


def test_an_overview_figure_exports_to_xlsx(client, demo):
    login(client, "council.isfahan")
    url = reverse("dashboard:overview-export", kwargs={"figure": "gender"})
    response = client.get(url, {"year": 1402})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize(
    "url,queries",
    [
        # 1 session, 2 user, 3 staff roles (scope), 4-5 the user's and groups' permissions,
        # 6 summary state, 7-11 choices of province, city, district, neighbourhood, centre,
        # 12 programme choices, 13 per gender and age band, 14 per month, 15 per
        # neighbourhood, 16 per programme.
        (OVERVIEW, 16),
        # 1-11 as above (no programme filter), 12 totals per stage, 13 the calls with the
        # most ideas, 14 per neighbourhood.
        (IDEAS, 14),
        # 1-11 as above, 12 per responsible organisation, 13 overdue resolutions,
        # 14 commitments, 15 meeting hours per centre.
        (HQ, 15),
    ],
)
def test_query_counts_are_pinned(client, demo, django_assert_num_queries, url, queries):
    login(client, "council.isfahan")
    client.get(url, {"year": 1402})  # warm: the session's user
    with django_assert_num_queries(queries):
        response = client.get(url, {"year": 1402})
    assert response.status_code == 200
    # Without a year, one more: the latest year with figures.
    with django_assert_num_queries(queries + 1):
        client.get(url)


def test_pages_need_their_permission(client, demo):
    login(client, "officer.relief")
    assert client.get(OVERVIEW).status_code == 403
    assert client.get(HQ).status_code == 200


def test_the_autumn_of_1402_shows_the_minakari_cohort_at_work(client, demo):
    """Issue 15: MNK-1402-1 held its sessions in Mehr and Aban 1402; autumn shows them."""
    login(client, "admin")
    cohort = Enrolment.objects.filter(cohort__code="MNK-1402-1").first().cohort
    response = client.get(OVERVIEW, {"year": 1402, "quarter": 3})
    programmes = {r["name"]: r for r in figure(response, "programmes").rows}
    minakari = programmes[cohort.programme.title]
    held = cohort.sessions.filter(cancelled_at__isnull=True).count()
    assert minakari["in_training"] >= cohort.enrolments.exclude(status="waitlisted").count() > 0
    assert minakari["sessions_held"] >= held > 0
    assert minakari["attendance_rate"] is not None
    shown = values(figure(response, "training"))
    assert shown["در حال آموزش"] > 0
