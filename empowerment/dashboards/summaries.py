"""Rebuilding the dashboards' summary tables: aggregate SQL, never a loop over rows.

`summaries_refresh()` deletes and refills every summary table inside one transaction, each
with a single `INSERT ... SELECT ... GROUP BY` over a `UNION ALL` of its sources. Dates are
counted in their Jalali month by joining them to `JalaliDay` (the calendar as a table), the
same SQL on SQLite and PostgreSQL. Readers never see a half-built table: the delete and the
inserts commit together.

Who runs it: the Celery beat entry `dashboards-refresh-summaries` (every two minutes, so an
edit in the admin reaches the dashboards within five) when a broker is configured; in the
embedded default (no broker, tasks eager) a dashboard page rebuilds them itself when they
are older than `SUMMARY_MAX_AGE` (see `summaries_fresh_enough`).
"""

from __future__ import annotations

import datetime
import time

import jdatetime
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from centres.models import (
    PENDING_STATUSES,
    Centre,
    City,
    District,
    Headquarters,
    Indicator,
    Meeting,
    Neighbourhood,
    Resolution,
)
from empowerment.dashboards.models import (
    WEIGHTED_INDICATORS,
    HeadquartersRollup,
    HeadquartersSummary,
    IdeaRollup,
    IdeaSummary,
    IndicatorDistrictSummary,
    IndicatorSummary,
    JalaliDay,
    Level,
    SummaryState,
    TrainingRollup,
    TrainingSummary,
)
from empowerment.kernel.jalali import local_today
from programs.models import Cohort, Idea, IdeaCall
from trainees.models import Enrolment, Outcome, Product, Sale, Trainee

# The calendar covers birth dates of the oldest residents up to years ahead of any plan.
CALENDAR_FIRST_YEAR = 1300
CALENDAR_LAST_YEAR = 1430
SUMMARY_MAX_AGE = datetime.timedelta(seconds=getattr(settings, "DASHBOARD_SUMMARY_MAX_AGE", 120))

TRAINING_MEASURES = [
    "enrolled",
    "in_training",
    "completed",
    "certified",
    "attendance_sum",
    "attendance_count",
    "dropped",
    "employed",
    "home_business",
    "employers",
    "jobs_created",
    "products_sold",
    "sales_rials",
    "cohorts_started",
    "cohorts_running_at_start",
]
TRAINING_DIMENSIONS = [
    "period",
    "province_id",
    "city_id",
    "district_id",
    "neighbourhood_id",
    "centre_id",
    "programme_id",
    "gender",
    "age_band",
]


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def calendar_ensure() -> int:
    """Fill `JalaliDay` once (about 47,000 days); a no-op when it is already there."""
    last = jdatetime.date(CALENDAR_LAST_YEAR, 12, 29).togregorian()
    if JalaliDay.objects.filter(date=last).exists():
        return 0
    JalaliDay.objects.all().delete()
    day = jdatetime.date(CALENDAR_FIRST_YEAR, 1, 1)
    one = datetime.timedelta(days=1)
    gregorian = day.togregorian()
    rows = []
    while gregorian <= last:
        j = jdatetime.date.fromgregorian(date=gregorian)
        rows.append(
            JalaliDay(
                date=gregorian, year=j.year, month=j.month, day=j.day, period=j.year * 100 + j.month
            )
        )
        gregorian += one
    JalaliDay.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _age_band(event: str, birth: str) -> str:
    """SQL: the age band at the event, both joined to the calendar (Jalali birthdays)."""
    age = (
        f"({event}.year - {birth}.year - CASE WHEN {event}.month * 100 + {event}.day "
        f"< {birth}.month * 100 + {birth}.day THEN 1 ELSE 0 END)"
    )
    return (
        f"CASE WHEN {birth}.date IS NULL THEN '' WHEN {age} < 18 THEN 'u18' "
        f"WHEN {age} < 25 THEN '18-24' WHEN {age} < 35 THEN '25-34' "
        f"WHEN {age} < 45 THEN '35-44' WHEN {age} < 55 THEN '45-54' ELSE '55+' END"
    )


def _select(dimensions: dict[str, str], measures: dict[str, str], body: str) -> str:
    """One source of the union: every dimension and measure column, in the same order."""
    columns = [f"{dimensions.get(d, 'NULL')} AS {d}" for d in TRAINING_DIMENSIONS]
    columns += [f"{measures.get(m, '0')} AS {m}" for m in TRAINING_MEASURES]
    return f"SELECT {', '.join(columns)} {body}"


def _training_sql() -> str:
    cal = _t(JalaliDay)
    resident = {
        "period": "ev.period",
        "province_id": "ci.province_id",
        "city_id": "ce.city_id",
        "district_id": "nb.district_id",
        "neighbourhood_id": "t.neighbourhood_id",
        "centre_id": "c.centre_id",
        "programme_id": "c.programme_id",
        "gender": "t.gender",
        "age_band": _age_band("ev", "bd"),
    }
    enrolment_from = (
        f"FROM {_t(Enrolment)} e JOIN {_t(Trainee)} t ON t.id = e.trainee_id "
        f"JOIN {_t(Cohort)} c ON c.id = e.cohort_id "
        f"JOIN {_t(Centre)} ce ON ce.id = c.centre_id JOIN {_t(City)} ci ON ci.id = ce.city_id "
        f"LEFT JOIN {_t(Neighbourhood)} nb ON nb.id = t.neighbourhood_id "
        f"LEFT JOIN {cal} bd ON bd.date = t.birth_date "
    )
    status = Enrolment.Status
    enrolments = _select(
        resident,
        {
            "enrolled": "1",
            "in_training": f"CASE WHEN e.status = '{status.ENROLLED}' THEN 1 ELSE 0 END",
        },
        enrolment_from
        + f"JOIN {cal} ev ON ev.date = e.enrolled_on WHERE e.status <> '{status.WAITLISTED}'",
    )
    completions = _select(
        resident,
        {
            "completed": "1",
            "certified": f"CASE WHEN e.status = '{status.CERTIFIED}' THEN 1 ELSE 0 END",
            "attendance_sum": "COALESCE(e.attendance_percent, 0)",
            "attendance_count": "CASE WHEN e.attendance_percent IS NULL THEN 0 ELSE 1 END",
        },
        enrolment_from
        + f"JOIN {cal} ev ON ev.date = COALESCE(e.certificate_issued_on, c.end_date) "
        f"WHERE e.status IN ('{status.CERTIFIED}', '{status.NOT_CERTIFIED}')",
    )
    drops = _select(
        resident,
        {"dropped": "1"},
        enrolment_from + f"JOIN {cal} ev ON ev.date = COALESCE(e.dropped_on, e.enrolled_on) "
        f"WHERE e.status = '{status.DROPPED}'",
    )
    kind = Outcome.Kind
    # A person counts once per kind of outcome, in the month it was first recorded; an
    # employer's jobs are those of the latest follow-up round.
    first_outcomes = (
        "SELECT o.trainee_id, o.enrolment_id, o.kind, o.date, "
        "ROW_NUMBER() OVER (PARTITION BY o.trainee_id, o.kind ORDER BY o.date, o.id) AS rn, "
        "FIRST_VALUE(o.employees_count) OVER (PARTITION BY o.trainee_id, o.kind "
        "ORDER BY o.date DESC, o.id DESC) AS latest_employees "
        f"FROM {_t(Outcome)} o WHERE o.kind IN "
        f"('{kind.EMPLOYED}', '{kind.HOME_BUSINESS}', '{kind.EMPLOYER}')"
    )
    outcomes = _select(
        {**resident, "centre_id": "ce.id", "programme_id": "c.programme_id"},
        {
            "employed": f"CASE WHEN o.kind = '{kind.EMPLOYED}' THEN 1 ELSE 0 END",
            "home_business": f"CASE WHEN o.kind = '{kind.HOME_BUSINESS}' THEN 1 ELSE 0 END",
            "employers": f"CASE WHEN o.kind = '{kind.EMPLOYER}' THEN 1 ELSE 0 END",
            "jobs_created": f"CASE WHEN o.kind = '{kind.EMPLOYER}' "
            "THEN COALESCE(o.latest_employees, 0) ELSE 0 END",
        },
        f"FROM ({first_outcomes}) o JOIN {_t(Trainee)} t ON t.id = o.trainee_id "
        f"LEFT JOIN {_t(Enrolment)} e ON e.id = o.enrolment_id "
        f"LEFT JOIN {_t(Cohort)} c ON c.id = e.cohort_id "
        f"JOIN {_t(Centre)} ce ON ce.id = COALESCE(c.centre_id, t.registered_at_id) "
        f"JOIN {_t(City)} ci ON ci.id = ce.city_id "
        f"LEFT JOIN {_t(Neighbourhood)} nb ON nb.id = t.neighbourhood_id "
        f"LEFT JOIN {cal} bd ON bd.date = t.birth_date "
        f"JOIN {cal} ev ON ev.date = o.date WHERE o.rn = 1",
    )
    centre_level = {
        "period": "ev.period",
        "province_id": "ci.province_id",
        "city_id": "ce.city_id",
        "centre_id": "c.centre_id",
        "programme_id": "c.programme_id",
        "gender": "''",
        "age_band": "''",
    }
    cohort_from = (
        f"FROM {_t(Cohort)} c JOIN {_t(Centre)} ce ON ce.id = c.centre_id "
        f"JOIN {_t(City)} ci ON ci.id = ce.city_id "
    )
    sales = _select(
        centre_level,
        {"products_sold": "s.quantity", "sales_rials": "s.amount_rials"},
        f"FROM {_t(Sale)} s JOIN {_t(Product)} p ON p.id = s.product_id "
        f"JOIN {_t(Cohort)} c ON c.id = p.cohort_id JOIN {_t(Centre)} ce ON ce.id = c.centre_id "
        f"JOIN {_t(City)} ci ON ci.id = ce.city_id JOIN {cal} ev ON ev.date = s.date",
    )
    cancelled = Cohort.Status.CANCELLED
    started = _select(
        centre_level,
        {"cohorts_started": "1"},
        cohort_from + f"JOIN {cal} ev ON ev.date = c.start_date WHERE c.status <> '{cancelled}'",
    )
    running = _select(
        centre_level,
        {"cohorts_running_at_start": "1"},
        cohort_from + f"JOIN {cal} ev ON ev.date > c.start_date AND ev.date <= c.end_date "
        f"AND ev.day = 1 WHERE c.status <> '{cancelled}'",
    )
    union = " UNION ALL ".join([enrolments, completions, drops, outcomes, sales, started, running])
    dims = ", ".join(TRAINING_DIMENSIONS)
    sums = ", ".join(f"SUM({m})" for m in TRAINING_MEASURES)
    return (
        f"INSERT INTO {_t(TrainingSummary)} ({dims}, {', '.join(TRAINING_MEASURES)}) "
        f"SELECT {dims}, {sums} FROM ({union}) src GROUP BY {dims}"
    )


def _local_date(column: str) -> str:
    """SQL: the date in Tehran of a stored (UTC) timestamp."""
    if connection.vendor == "postgresql":
        return f"CAST(({column} AT TIME ZONE '{settings.TIME_ZONE}') AS date)"
    # SQLite stores UTC text; Iran keeps +03:30 all year (no daylight saving since 1401).
    offset = int(timezone.localtime().utcoffset().total_seconds() // 60)
    return f"date({column}, '{offset:+d} minutes')"


def _ideas_sql() -> str:
    cal = _t(JalaliDay)
    return (
        f"INSERT INTO {_t(IdeaSummary)} (period, province_id, city_id, district_id, "
        "neighbourhood_id, centre_id, call_id, status, follow_up, ideas) "
        "SELECT ev.period, ci.province_id, ce.city_id, nb.district_id, i.neighbourhood_id, "
        "k.centre_id, i.call_id, i.status, i.follow_up, COUNT(*) "
        f"FROM {_t(Idea)} i JOIN {_t(IdeaCall)} k ON k.id = i.call_id "
        f"JOIN {_t(Centre)} ce ON ce.id = k.centre_id JOIN {_t(City)} ci ON ci.id = ce.city_id "
        f"LEFT JOIN {_t(Neighbourhood)} nb ON nb.id = i.neighbourhood_id "
        f"JOIN {cal} ev ON ev.date = {_local_date('i.created_at')} "
        "GROUP BY ev.period, ci.province_id, ce.city_id, nb.district_id, i.neighbourhood_id, "
        "k.centre_id, i.call_id, i.status, i.follow_up"
    )


def _headquarters_sql() -> str:
    cal = _t(JalaliDay)
    body = (
        f"JOIN {cal} ev ON ev.date = m.date "
        f"LEFT JOIN {_t(Centre)} ce ON ce.id = m.centre_id "
        f"LEFT JOIN {_t(City)} ci ON ci.id = ce.city_id "
        f"LEFT JOIN {_t(Headquarters)} h ON h.id = m.headquarters_id "
    )
    place = (
        "ev.period AS period, COALESCE(ci.province_id, h.province_id) AS province_id, "
        "COALESCE(ce.city_id, h.city_id) AS city_id, m.centre_id AS centre_id, "
        "m.headquarters_id AS headquarters_id"
    )
    pending = ", ".join(f"'{s}'" for s in PENDING_STATUSES)
    resolutions = (
        f"SELECT {place}, r.responsible_id AS responsible_id, r.status AS status, "
        "1 AS resolutions, CASE WHEN r.deadline < %s AND r.status IN "
        f"({pending}) THEN 1 ELSE 0 END AS overdue, r.progress AS progress_sum, "
        "0 AS meetings, 0 AS meeting_hours "
        f"FROM {_t(Resolution)} r JOIN {_t(Meeting)} m ON m.id = r.meeting_id {body}"
    )
    meetings = (
        f"SELECT {place}, NULL AS responsible_id, '' AS status, 0 AS resolutions, "
        "0 AS overdue, 0 AS progress_sum, 1 AS meetings, m.duration_hours AS meeting_hours "
        f"FROM {_t(Meeting)} m {body} WHERE m.kind = '{Meeting.Kind.OPPORTUNITY_FINDING}'"
    )
    dims = "period, province_id, city_id, centre_id, headquarters_id, responsible_id, status"
    return (
        f"INSERT INTO {_t(HeadquartersSummary)} ({dims}, resolutions, overdue, progress_sum, "
        "meetings, meeting_hours) "
        f"SELECT {dims}, SUM(resolutions), SUM(overdue), SUM(progress_sum), SUM(meetings), "
        f"SUM(meeting_hours) FROM ({resolutions} UNION ALL {meetings}) src GROUP BY {dims}"
    )


def _indicators_sql() -> str:
    """Each neighbourhood's figures for every period a page can ask for: quarter 0 (the
    year) takes the yearly figures or else the latest quarter's; quarter q takes that
    quarter's or else the year's. Ranked with a window function per neighbourhood, year and
    period, then the place and its names copied on."""
    figures = ["population", *WEIGHTED_INDICATORS]
    periods = " UNION ALL ".join(f"SELECT {q} AS q" for q in range(5))
    rank = (
        "CASE WHEN v.q = 0 THEN (CASE WHEN i.quarter IS NULL THEN 0 ELSE 5 - i.quarter END) "
        "WHEN i.quarter IS NULL THEN 1 ELSE 0 END"
    )
    return (
        f"INSERT INTO {_t(IndicatorSummary)} (year, quarter, province_id, city_id, district_id, "
        "neighbourhood_id, city_name, district_number, district_name, neighbourhood_name, "
        f"figure_quarter, {', '.join(figures)}, updated_at) "
        "SELECT r.year, r.q, ci.province_id, d.city_id, n.district_id, r.neighbourhood_id, "
        "ci.name, d.number, d.name, n.name, r.quarter, "
        f"{', '.join(f'r.{name}' for name in figures)}, r.updated_at FROM ("
        f"SELECT i.*, v.q, ROW_NUMBER() OVER (PARTITION BY i.neighbourhood_id, i.year, v.q "
        f"ORDER BY {rank}) AS pick FROM {_t(Indicator)} i JOIN ({periods}) v "
        "ON v.q = 0 OR i.quarter IS NULL OR i.quarter = v.q) r "
        f"JOIN {_t(Neighbourhood)} n ON n.id = r.neighbourhood_id "
        f"JOIN {_t(District)} d ON d.id = n.district_id "
        f"JOIN {_t(City)} ci ON ci.id = d.city_id WHERE r.pick = 1"
    )


def _indicator_districts_refresh() -> None:
    """Sum the indicator summary just rebuilt per district (a few rows per district and
    period): the same aggregate the page runs for a scope these rows do not cover."""
    IndicatorDistrictSummary.objects.bulk_create(
        (IndicatorDistrictSummary(**row) for row in IndicatorSummary.objects.by_district()),
        batch_size=1000,
    )


# The rollups: for each, the fine table it sums, its measures, and per level the columns
# that key a row (the others stay NULL, or '' for text) and which fine rows it takes.
ROLLUPS = [
    (
        TrainingRollup,
        TrainingSummary,
        TRAINING_MEASURES,
        {
            Level.COUNTRY: (["period", "programme_id", "gender", "age_band"], ""),
            Level.PROVINCE: (["period", "province_id", "programme_id", "gender", "age_band"], ""),
            Level.NEIGHBOURHOOD: (
                ["period", "province_id", "neighbourhood_id", "programme_id"],
                "WHERE neighbourhood_id IS NOT NULL",
            ),
        },
    ),
    (
        IdeaRollup,
        IdeaSummary,
        ["ideas"],
        {
            Level.COUNTRY: (["period", "status", "follow_up"], ""),
            Level.PROVINCE: (["period", "province_id", "status", "follow_up"], ""),
        },
    ),
    (
        HeadquartersRollup,
        HeadquartersSummary,
        ["resolutions", "overdue", "progress_sum", "meetings", "meeting_hours"],
        {
            Level.COUNTRY: (["period", "responsible_id", "status"], ""),
            Level.PROVINCE: (["period", "province_id", "responsible_id", "status"], ""),
        },
    ),
]
TEXT_DIMENSIONS = {"gender", "age_band", "status", "follow_up"}
SUMMARY_TABLES = [
    TrainingSummary,
    IdeaSummary,
    HeadquartersSummary,
    TrainingRollup,
    IdeaRollup,
    HeadquartersRollup,
    IndicatorSummary,
    IndicatorDistrictSummary,
]


def _rollup_sql() -> list[str]:
    """One `INSERT ... SELECT ... GROUP BY` per rollup and level, from the fine table just
    rebuilt (thousands of rows, not the sources' millions): cheap."""
    statements = []
    for rollup, fine, measures, levels in ROLLUPS:
        text = [f.column for f in rollup._meta.concrete_fields if f.column in TEXT_DIMENSIONS]
        for level, (keys, where) in levels.items():
            # Text columns a level is not keyed by are '' (NOT NULL), the others NULL.
            blank = [c for c in text if c not in keys]
            columns = ", ".join(["level", *keys, *blank, *measures])
            values = ", ".join(
                [f"'{level.value}'", *keys, *["''"] * len(blank)] + [f"SUM({m})" for m in measures]
            )
            statements.append(
                f"INSERT INTO {_t(rollup)} ({columns}) SELECT {values} FROM {_t(fine)} {where} "
                f"GROUP BY {', '.join(keys)}"
            )
    return statements


def summaries_refresh(*, today: datetime.date | None = None) -> SummaryState:
    """Rebuild every summary table in one transaction; returns the state row.

    The state row is locked first (`select_for_update`), so two refreshes that overlap
    (beat and a page, or two workers) run one after the other instead of both deleting
    and both inserting.
    """
    started = time.monotonic()
    calendar_ensure()
    today = today or local_today()
    with transaction.atomic():
        state = SummaryState.objects.select_for_update().filter(pk=1).first()
        if state is None:
            state, _created = SummaryState.objects.get_or_create(pk=1)
            state = SummaryState.objects.select_for_update().get(pk=1)
        with connection.cursor() as cursor:
            for model in SUMMARY_TABLES:
                cursor.execute(f"DELETE FROM {_t(model)}")
            cursor.execute(_training_sql())
            cursor.execute(_ideas_sql())
            cursor.execute(_headquarters_sql(), [today])
            for statement in _rollup_sql():
                cursor.execute(statement)
            cursor.execute(_indicators_sql())
        _indicator_districts_refresh()
        state.refreshed_at = timezone.now()
        state.duration_ms = int((time.monotonic() - started) * 1000)
        state.save(update_fields=["refreshed_at", "duration_ms"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in SUMMARY_TABLES:
                cursor.execute(f"ANALYZE {_t(model)}")
    return state


def summaries_fresh_enough(state: SummaryState | None) -> bool:
    return (
        state is not None
        and state.refreshed_at is not None
        and timezone.now() - state.refreshed_at <= SUMMARY_MAX_AGE
    )
