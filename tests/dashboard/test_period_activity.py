"""Figures mean what happened in the period (issue 15): a cohort that runs across two
quarters counts, in each month, quarter and year, the people in training (once each per
period), the sessions held, the attendance of those sessions, and completions and
certificates by their dates; read through the summaries and their rollups at every level
(country, province, city, district, neighbourhood), checked against the database."""

import datetime

import jdatetime
import pytest
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils import timezone

from empowerment.dashboards import summary_selectors as sel
from empowerment.dashboards.models import Level, period_span
from empowerment.dashboards.pages import TrainingFilterForm
from empowerment.dashboards.summaries import summaries_refresh
from empowerment.kernel.jalali import period_bounds
from programs.models import CohortSession
from tests.centres.factories import CentreFactory, staff_user
from tests.programs.factories import CohortFactory, CohortSessionFactory, ProgrammeFactory
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees.models import Attendance, Enrolment, Trainee

pytestmark = pytest.mark.django_db

MEASURES = (
    "in_training",
    "sessions_held",
    "attendance_present",
    "attendance_counted",
    "completed",
    "certified",
    "enrolled",
)


def j(y, m, d):
    return jdatetime.date(y, m, d)


@pytest.fixture
def cohorts(places):
    """Minakari at the Isfahan centre from Aban to Bahman 1402 (quarters 3 and 4), and a
    Karaj cohort in Azar, so that provinces and the country differ."""
    minakari = ProgrammeFactory(title="میناکاری")
    centre = places["centre"]
    cohort = CohortFactory(
        programme=minakari,
        centre=centre,
        code="MNK-1402-9",
        start_date=j(1402, 8, 1),
        end_date=j(1402, 11, 20),
    )
    days = [j(1402, 8, 5), j(1402, 8, 20), j(1402, 9, 5), j(1402, 9, 20)]
    days += [j(1402, 10, 6), j(1402, 10, 20), j(1402, 11, 4)]
    sessions = [CohortSessionFactory(cohort=cohort, date=day) for day in days]
    cancelled = CohortSessionFactory(cohort=cohort, date=j(1402, 10, 13))
    CohortSession.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now())
    hesseh, jolvan = places["neighbourhoods"]["hesseh"], places["neighbourhoods"]["jolvan"]
    people = {
        # Through both quarters; a certificate dated by the manager in Esfand.
        "a": dict(neighbourhood=hesseh, enrolled_on=j(1402, 7, 25), status="certified"),
        # Dropped out in Azar, after its first session: in training in Aban and Azar.
        "b": dict(
            neighbourhood=jolvan,
            enrolled_on=j(1402, 8, 1),
            status="dropped",
            dropped_on=j(1402, 9, 10),
            drop_reason="نقل مکان",
        ),
        # Joined in Dey: in training in quarter 4 only.
        "c": dict(neighbourhood=hesseh, enrolled_on=j(1402, 10, 5), status="not_certified"),
        # On the waiting list: never in training.
        "d": dict(neighbourhood=jolvan, enrolled_on=j(1402, 8, 2), status="waitlisted"),
        "e": dict(neighbourhood=jolvan, enrolled_on=j(1402, 7, 28), status="certified"),
    }
    enrolments = {}
    for key, spec in people.items():
        neighbourhood = spec.pop("neighbourhood")
        trainee = TraineeFactory(
            neighbourhood=neighbourhood,
            registered_at=centre,
            gender="male" if key in "be" else "female",
        )
        enrolments[key] = EnrolmentFactory(trainee=trainee, cohort=cohort, **spec)
    Enrolment.objects.filter(pk=enrolments["a"].pk).update(
        certificate_number="MNK-9-1", certificate_issued_on=j(1402, 12, 5)
    )
    statuses = ["present", "absent", "excused"]
    for n, session in enumerate(sessions):
        for k, key in enumerate(("a", "b", "c", "e")):
            e = enrolments[key]
            if session.date < e.enrolled_on or (e.dropped_on and session.date > e.dropped_on):
                continue
            Attendance.objects.create(
                session=session, enrolment=e, status=statuses[(n + k) % 4 % 3]
            )
    eslamabad = places["neighbourhoods"]["eslamabad"]
    karaj = CentreFactory(city=places["karaj"], name="مرکز کرج", neighbourhoods=[eslamabad])
    other = CohortFactory(
        programme=minakari, centre=karaj, start_date=j(1402, 9, 1), end_date=j(1402, 9, 28)
    )
    session = CohortSessionFactory(cohort=other, date=j(1402, 9, 8))
    for _ in range(3):
        e = EnrolmentFactory(
            cohort=other,
            enrolled_on=j(1402, 8, 25),
            trainee=TraineeFactory(
                neighbourhood=places["neighbourhoods"]["eslamabad"], registered_at=karaj
            ),
        )
        Attendance.objects.create(session=session, enrolment=e, status="present")
    summaries_refresh()
    return {"cohort": cohort, "other": other}


def expected(start: datetime.date, end: datetime.date, *, where=None) -> dict:
    """The figures of [start, end) straight from the source rows (a loop: a test's truth,
    not the code under test's SQL)."""
    where = where or {}
    today = datetime.date.today()
    held = list(
        CohortSession.objects.filter(
            cancelled_at__isnull=True, date__gte=start, date__lt=end, date__lte=today
        ).filter(**{k: v for k, v in where.items() if k.startswith("cohort")})
    )
    resident = {k.replace("cohort__", "cohort__"): v for k, v in where.items()}
    enrolments = Enrolment.objects.filter(**resident).select_related("cohort")
    in_training = 0
    for e in enrolments.exclude(status="waitlisted"):
        dates = [s.date for s in held if s.cohort_id == e.cohort_id]
        if not dates or e.enrolled_on > max(dates):
            continue
        if e.status == "dropped" and (e.dropped_on or e.enrolled_on) < min(dates):
            continue
        in_training += 1
    marks = Attendance.objects.filter(session__in=held, enrolment__in=enrolments)
    done = enrolments.filter(status__in=["certified", "not_certified"])
    certified = [
        e
        for e in enrolments.filter(status="certified")
        if start <= (e.certificate_issued_on or e.cohort.end_date) < end
    ]
    return {
        "in_training": in_training,
        "sessions_held": len(held),
        "attendance_present": marks.filter(status="present").count(),
        "attendance_counted": marks.filter(status__in=["present", "absent"]).count(),
        "completed": done.filter(cohort__end_date__gte=start, cohort__end_date__lt=end).count(),
        "certified": len(certified),
        "enrolled": enrolments.exclude(status="waitlisted")
        .filter(enrolled_on__gte=start, enrolled_on__lt=end)
        .count(),
    }


def figures(who, query: str) -> dict:
    """The overview's totals for this user and query, as the page sums them: from the
    per-person rows (totals), and the same from the per-programme rows."""
    filters = TrainingFilterForm(QueryDict(query), user=who)
    people = sel.training_by_person(user=who, filters=filters)
    programmes = sel.training_by_programme(user=who, filters=filters)
    total = {m: sum(row[m] for row in people) for m in MEASURES}
    assert total == {m: sum(row[m] for row in programmes) for m in MEASURES}, query
    return total


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    start = j(year, month, 1).togregorian()
    nxt = j(year + month // 12, month % 12 + 1, 1).togregorian()
    return start, nxt


@pytest.fixture
def readers(places):
    admin = get_user_model().objects.create_superuser("admin.period", password="x-pass-1403")
    province = staff_user("council.province", "council_member", places["isfahan"].province)
    return {"admin": admin, "province": province}


def test_the_cohort_counts_in_each_quarter_it_ran(places, cohorts, readers, council_member):
    admin, province = readers["admin"], readers["province"]
    isfahan = places["isfahan"]
    d14, hesseh = places["neighbourhoods"]["hesseh"].district, places["neighbourhoods"]["hesseh"]
    centre_ids = [places["centre"].pk]
    # Each level a page can read, the reader and query that reach it, and the source rows
    # it covers (a resident's neighbourhood for resident figures; a centre's own rows for
    # sessions: here the Isfahan centre serves District 14 and so Hesseh).
    levels = [
        ("country", admin, "", {}),
        ("province rollup", province, "", {"cohort__centre__city__province": isfahan.province}),
        (
            "province chosen",
            admin,
            f"&province={isfahan.province_id}",
            {"cohort__centre__in": centre_ids},
        ),
        ("city", council_member, "", {"cohort__centre__city": isfahan}),
        ("district", admin, f"&district={d14.pk}", {"cohort__centre__in": centre_ids}),
    ]
    assert sel.rollup_level(admin, TrainingFilterForm(QueryDict("year=1402"), user=admin)) == (
        Level.COUNTRY
    )
    checked = 0
    for quarter in (3, 4, None):
        query = "year=1402" + (f"&quarter={quarter}" if quarter else "")
        start, end = period_bounds(1402, quarter)
        for label, who, extra, where in levels:
            got = figures(who, query + extra)
            assert got == expected(start, end, where=where), (label, query)
            checked += 1
        # A neighbourhood: its residents' figures, and the sessions of the centres serving it.
        got = figures(admin, query + f"&neighbourhood={hesseh.pk}")
        want = expected(start, end, where={"trainee__neighbourhood": hesseh})
        want["sessions_held"] = expected(start, end, where={"cohort__centre__in": centre_ids})[
            "sessions_held"
        ]
        assert got == want, ("neighbourhood", query)
    assert checked == 15
    # The cohort itself: in training in both quarters, 7 sessions held (one cancelled).
    q3, q4 = (
        expected(*period_bounds(1402, q), where={"cohort": cohorts["cohort"]}) for q in (3, 4)
    )
    assert (q3["in_training"], q4["in_training"]) == (3, 3)
    assert (q3["sessions_held"], q4["sessions_held"]) == (4, 3)
    assert (q3["completed"], q4["completed"], q4["certified"]) == (0, 3, 2)
    year = expected(*period_bounds(1402, None), where={"cohort": cohorts["cohort"]})
    assert year["in_training"] == 4  # a, b, c, e once each, not once per quarter or month
    assert year["certified"] == 2  # the manager's date (Esfand) and the cohort's end


def test_each_month_counts_its_own_activity(places, cohorts, readers):
    admin, province = readers["admin"], readers["province"]
    for who, where in (
        (admin, {}),
        (province, {"cohort__centre__city__province": places["isfahan"].province}),
    ):
        filters = TrainingFilterForm(QueryDict("year=1402"), user=who)
        months = {row["period"]: row for row in sel.training_by_month(user=who, filters=filters)}
        assert set(months) <= {1402 * 100 + m for m in range(1, 13)}  # no span rows
        for month in range(7, 13):
            start, end = month_bounds(1402, month)
            want = expected(start, end, where=where)
            got = {m: months.get(1402 * 100 + month, {}).get(m, 0) for m in MEASURES}
            assert got == want, month
    # Aban and Azar each count the three enrolled then; the quarter counts them once.
    aban = expected(*month_bounds(1402, 8), where={"cohort": cohorts["cohort"]})
    assert aban["in_training"] == 3


def test_the_overview_page_shows_the_quarter(client, places, cohorts, readers):
    client.force_login(readers["admin"])
    response = client.get("/dashboard/overview/", {"year": 1402, "quarter": 3})
    assert response.status_code == 200
    figures_ = {f.slug: f for f in response.context["figures"]}
    training = {str(r["label"]): r["value"] for r in figures_["training"].rows}
    want = expected(*period_bounds(1402, 3))
    assert want["in_training"] > 0
    assert list(training.values())[1:3] == [want["in_training"], want["sessions_held"]]
    rate = figures_["rates"].rows[1]["value"]
    assert rate == round(100 * want["attendance_present"] / want["attendance_counted"], 1)


def test_span_codes_lie_outside_the_months():
    assert period_span(1402) == 140200
    assert [period_span(1402, q) for q in (1, 2, 3, 4)] == [140213, 140214, 140215, 140216]


def test_foreign_nationals_in_training_are_counted_once_per_span(client, places, cohorts, readers):
    """Residents without a national code (issue 15): the summaries count the foreign
    nationals among those in training, per month, quarter and year like in_training, at
    the country and in the province's rollup; the overview shows the figure."""
    cohort = cohorts["cohort"]
    a = Enrolment.objects.get(cohort=cohort, enrolled_on=j(1402, 7, 25))  # both quarters
    c = Enrolment.objects.get(cohort=cohort, enrolled_on=j(1402, 10, 5))  # quarter 4 only
    for n, enrolment in enumerate((a, c)):
        Trainee.objects.filter(pk=enrolment.trainee_id).update(
            nationality="afghan", national_code=None, foreign_code=f"21000000010{n}"
        )
    summaries_refresh()
    admin, province = readers["admin"], readers["province"]
    for who in (admin, province):
        for quarter, want in ((3, 1), (4, 2), (None, 2)):
            query = "year=1402" + (f"&quarter={quarter}" if quarter else "")
            filters = TrainingFilterForm(QueryDict(query), user=who)
            rows = sel.training_by_person(user=who, filters=filters)
            assert sum(row["foreign_nationals"] for row in rows) == want, (who, quarter)
    client.force_login(admin)
    response = client.get("/dashboard/overview/", {"year": 1402, "quarter": 4})
    training = {f.slug: f for f in response.context["figures"]}["training"]
    assert training.rows[-1]["value"] == 2
