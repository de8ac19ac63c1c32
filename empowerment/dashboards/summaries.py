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
    SummaryChange,
    SummaryState,
    TrainingRollup,
    TrainingSummary,
)
from empowerment.kernel.jalali import local_today
from programs.models import Cohort, CohortSession, Idea, IdeaCall
from trainees.models import Attendance, Enrolment, Outcome, Product, Sale, Trainee

# The calendar covers birth dates of the oldest residents up to years ahead of any plan.
CALENDAR_FIRST_YEAR = 1300
CALENDAR_LAST_YEAR = 1430
SUMMARY_WORK_MEM = getattr(settings, "DASHBOARD_SUMMARY_WORK_MEM", "256MB")
SUMMARY_MAX_AGE = datetime.timedelta(seconds=getattr(settings, "DASHBOARD_SUMMARY_MAX_AGE", 120))

TRAINING_MEASURES = [
    "enrolled",
    "in_training",
    "sessions_held",
    "attendance_present",
    "attendance_counted",
    "completed",
    "certified",
    "dropped",
    "employed",
    "home_business",
    "employers",
    "jobs_created",
    "products_sold",
    "sales_rials",
    "cohorts_started",
    "cohorts_running_at_start",
    "foreign_nationals",
]
# The measures counted per span (month, quarter, year: `period_span`), not summed over
# the months of a span.
SPAN_MEASURES = frozenset({"in_training", "foreign_nationals"})
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

# Where completions and certificates are dated: the one place to change when certificates
# have a table of their own (join it in CERTIFICATE_JOIN, date by its issued date, and add
# it to the triggers in `outbox.SOURCES`). A completion counts in the month the cohort
# ended, never in the month someone clicked; a certificate in the month of its date (the
# cohort's end unless the manager chose another), else the cohort's end. `e` is the
# enrolment, `c` its cohort.
COMPLETED_DATE = "c.end_date"
CERTIFICATE_JOIN = ""
CERTIFICATE_DATE = "COALESCE(e.certificate_issued_on, c.end_date)"
CERTIFICATE_WHERE = f"e.status = '{Enrolment.Status.CERTIFIED}'"

# The dirty cells of an incremental refresh (a temporary table, PostgreSQL only): the
# (centre, period) pairs whose rows are deleted and summed again, months and their spans.
DIRTY = "summary_dirty"


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
    if connection.vendor == "postgresql":
        # The statistics at once: the rebuild that follows joins every source to this
        # table, and stale ones (a table vacuumed while empty keeps its pages and says
        # "no rows") make the planner choose nested loops that run for tens of minutes.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_t(JalaliDay)}")
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


def _dirty_condition(dimensions: dict[str, str]) -> str:
    """SQL: the row's cell is one of the dirty ones (the sources already start from the
    dirty centres' cohorts, enrolments and trainees: `_dirty_sets`)."""
    centre, period = dimensions["centre_id"], dimensions["period"]
    return f"({centre}, {period}) IN (SELECT centre_id, period FROM {DIRTY})"


def _select(
    dimensions: dict[str, str],
    measures: dict[str, str],
    body: str,
    where: list[str],
    dirty: bool,
) -> str:
    """One source of the union: every dimension and measure column, in the same order;
    with `dirty`, only the rows of dirty cells."""
    columns = [f"{dimensions.get(d, 'NULL')} AS {d}" for d in TRAINING_DIMENSIONS]
    columns += [f"{measures.get(m, '0')} AS {m}" for m in TRAINING_MEASURES]
    conditions = [*where, _dirty_condition(dimensions)] if dirty else where
    condition = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {', '.join(columns)} {body}{condition}"


def _span_period(day: str, kind: str) -> str:
    """SQL: the `period` of a day's month (kind 0), quarter (1) or year (2) rows
    (`models.period_span`)."""
    return (
        f"CASE {kind} WHEN 0 THEN {day}.period "
        f"WHEN 1 THEN {day}.year * 100 + 12 + ({day}.month + 2) / 3 ELSE {day}.year * 100 END"
    )


HELD = "s.cancelled_at IS NULL AND s.date <= %(today)s"


def _marks_sql(sessions: str) -> str:
    """SQL: the attendance marks of the sessions held, per enrolment and month."""
    present, absent = Attendance.Status.PRESENT, Attendance.Status.ABSENT
    return (
        "SELECT a.enrolment_id, d.period, "
        f"SUM(CASE WHEN a.status = '{present}' THEN 1 ELSE 0 END) AS present, "
        f"SUM(CASE WHEN a.status IN ('{present}', '{absent}') THEN 1 ELSE 0 END) AS counted "
        f"FROM {sessions} JOIN {_t(Attendance)} a ON a.session_id = s.id "
        f"JOIN {_t(JalaliDay)} d ON d.date = s.date WHERE {HELD} "
        "GROUP BY a.enrolment_id, d.period"
    )


def _training_sql(*, dirty: bool = False) -> str:
    """The `INSERT ... SELECT` of the training summary: every row, or with `dirty` the
    rows of the dirty cells only. One parameter: the day of the refresh (sessions held are
    those dated up to it)."""
    union = " UNION ALL ".join(_training_sources(dirty=dirty))
    dims = ", ".join(TRAINING_DIMENSIONS)
    sums = ", ".join(f"SUM({m})" for m in TRAINING_MEASURES)
    return (
        f"INSERT INTO {_t(TrainingSummary)} ({dims}, {', '.join(TRAINING_MEASURES)}) "
        f"SELECT {dims}, {sums} FROM ({union}) src GROUP BY {dims}"
    )


def _training_sources(*, dirty: bool) -> list[str]:
    """Each source of the training summary, a `SELECT` of every dimension and measure."""
    cal = _t(JalaliDay)
    status = Enrolment.Status
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
    # With `dirty`, each source starts from the small working sets of the dirty centres
    # (`_dirty_sets`: their cohorts, enrolments, and the trainees whose outcomes count
    # there), joined by primary key: the planner walks a few thousand rows by index
    # instead of scanning millions and filtering.
    if dirty:
        enrolments = f"{DIRTY}_enrolments de JOIN {_t(Enrolment)} e ON e.id = de.id"
        cohorts = f"{DIRTY}_cohorts dc JOIN {_t(Cohort)} c ON c.id = dc.id"
        sessions = f"{DIRTY}_cohorts dc JOIN {_t(CohortSession)} s ON s.cohort_id = dc.id"
        outcomes = f"{DIRTY}_trainees dt JOIN {_t(Outcome)} o ON o.trainee_id = dt.id"
        products = f"JOIN {DIRTY}_cohorts dc ON dc.id = p.cohort_id "
    else:
        enrolments, cohorts = f"{_t(Enrolment)} e", f"{_t(Cohort)} c"
        sessions, outcomes = f"{_t(CohortSession)} s", f"{_t(Outcome)} o"
        products = ""
    people = (
        f"JOIN {_t(Trainee)} t ON t.id = e.trainee_id "
        f"JOIN {_t(Centre)} ce ON ce.id = c.centre_id JOIN {_t(City)} ci ON ci.id = ce.city_id "
        f"LEFT JOIN {_t(Neighbourhood)} nb ON nb.id = t.neighbourhood_id "
        f"LEFT JOIN {cal} bd ON bd.date = t.birth_date "
    )
    enrolment_from = f"FROM {enrolments} JOIN {_t(Cohort)} c ON c.id = e.cohort_id " + people
    sources = []
    sources.append(
        _select(
            resident,
            {"enrolled": "1"},
            enrolment_from + f"JOIN {cal} ev ON ev.date = e.enrolled_on",
            [f"e.status <> '{status.WAITLISTED}'"],
            dirty,
        )
    )
    # Sessions held: not cancelled, dated up to the day of the refresh.
    held = HELD
    # In training: per cohort and span (month, quarter, year) the first and last session
    # held in it; an enrolment is in training in a span when it was enrolled by the span's
    # last session and had not dropped out before its first (an enrolment counts once per
    # span, however many months of it the cohort ran).
    spans = (
        "SELECT cohort_id, period, MIN(date) AS first_date, MAX(date) AS last_date FROM ("
        f"SELECT s.cohort_id AS cohort_id, {_span_period('d', 'k.k')} AS period, s.date AS date "
        f"FROM {sessions} JOIN {cal} d ON d.date = s.date "
        "CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k "
        f"WHERE {held}) x GROUP BY cohort_id, period"
    )
    sources.append(
        _select(
            {**resident, "period": "sp.period"},
            {
                "in_training": "1",
                "foreign_nationals": (
                    f"CASE WHEN t.nationality <> '{Trainee.Nationality.IRANIAN}' THEN 1 ELSE 0 END"
                ),
            },
            enrolment_from + f"JOIN ({spans}) sp ON sp.cohort_id = e.cohort_id "
            f"JOIN {cal} ev ON ev.date = e.enrolled_on",
            [
                f"e.status <> '{status.WAITLISTED}'",
                "e.enrolled_on <= sp.last_date",
                f"(e.status <> '{status.DROPPED}' OR "
                "COALESCE(e.dropped_on, e.enrolled_on) >= sp.first_date)",
            ],
            dirty,
        )
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
        f"FROM {cohorts} JOIN {_t(Centre)} ce ON ce.id = c.centre_id "
        f"JOIN {_t(City)} ci ON ci.id = ce.city_id "
    )
    sources.append(
        _select(
            centre_level,
            {"sessions_held": "1"},
            f"FROM {sessions} JOIN {_t(Cohort)} c ON c.id = s.cohort_id "
            f"JOIN {_t(Centre)} ce ON ce.id = c.centre_id JOIN {_t(City)} ci ON ci.id = ce.city_id "
            f"JOIN {cal} ev ON ev.date = s.date",
            [held],
            dirty,
        )
    )
    # Attendance: the marks of the sessions held, summed per enrolment and month first
    # (eight sessions a cohort, millions of marks: the union carries one row per enrolment
    # and month), in the resident's cells (age at enrolment, as for in training).
    marks = f"{DIRTY}_marks" if dirty else f"({_marks_sql(sessions)})"
    sources.append(
        _select(
            {**resident, "period": "am.period"},
            {"attendance_present": "am.present", "attendance_counted": "am.counted"},
            f"FROM {enrolments} JOIN {marks} am ON am.enrolment_id = e.id "
            f"JOIN {_t(Cohort)} c ON c.id = e.cohort_id "
            + people
            + f"JOIN {cal} ev ON ev.date = e.enrolled_on",
            [],
            dirty,
        )
    )
    finished = f"e.status IN ('{status.CERTIFIED}', '{status.NOT_CERTIFIED}')"
    sources.append(
        _select(
            resident,
            {"completed": "1"},
            enrolment_from + f"JOIN {cal} ev ON ev.date = {COMPLETED_DATE}",
            [finished],
            dirty,
        )
    )
    sources.append(
        _select(
            resident,
            {"certified": "1"},
            enrolment_from + CERTIFICATE_JOIN + f"JOIN {cal} ev ON ev.date = {CERTIFICATE_DATE}",
            [CERTIFICATE_WHERE],
            dirty,
        )
    )
    sources.append(
        _select(
            resident,
            {"dropped": "1"},
            enrolment_from + f"JOIN {cal} ev ON ev.date = COALESCE(e.dropped_on, e.enrolled_on)",
            [f"e.status = '{status.DROPPED}'"],
            dirty,
        )
    )
    kind = Outcome.Kind
    # A person counts once per kind of outcome, in the month it was first recorded; an
    # employer's jobs are those of the latest follow-up round.
    first_outcomes = (
        "SELECT o.trainee_id, o.enrolment_id, o.kind, o.date, "
        "ROW_NUMBER() OVER (PARTITION BY o.trainee_id, o.kind ORDER BY o.date, o.id) AS rn, "
        "FIRST_VALUE(o.employees_count) OVER (PARTITION BY o.trainee_id, o.kind "
        "ORDER BY o.date DESC, o.id DESC) AS latest_employees "
        f"FROM {outcomes} WHERE o.kind IN "
        f"('{kind.EMPLOYED}', '{kind.HOME_BUSINESS}', '{kind.EMPLOYER}')"
    )
    sources.append(
        _select(
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
            f"JOIN {cal} ev ON ev.date = o.date",
            ["o.rn = 1"],
            dirty,
        )
    )
    sources.append(
        _select(
            centre_level,
            {"products_sold": "s.quantity", "sales_rials": "s.amount_rials"},
            f"FROM {_t(Sale)} s JOIN {_t(Product)} p ON p.id = s.product_id "
            + products
            + f"JOIN {_t(Cohort)} c ON c.id = p.cohort_id "
            f"JOIN {_t(Centre)} ce ON ce.id = c.centre_id "
            f"JOIN {_t(City)} ci ON ci.id = ce.city_id JOIN {cal} ev ON ev.date = s.date",
            [],
            dirty,
        )
    )
    cancelled = f"c.status <> '{Cohort.Status.CANCELLED}'"
    sources.append(
        _select(
            centre_level,
            {"cohorts_started": "1"},
            cohort_from + f"JOIN {cal} ev ON ev.date = c.start_date",
            [cancelled],
            dirty,
        )
    )
    sources.append(
        _select(
            centre_level,
            {"cohorts_running_at_start": "1"},
            cohort_from + f"JOIN {cal} ev ON ev.date > c.start_date AND ev.date <= c.end_date "
            "AND ev.day = 1",
            [cancelled],
            dirty,
        )
    )
    return sources


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
                "neighbourhood_id IS NOT NULL",
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


def _rollup_sql(only: set | None = None, *, dirty: bool = False) -> list[str]:
    """One `INSERT ... SELECT ... GROUP BY` per rollup and level, from the fine table just
    rebuilt (thousands of rows, not the sources' millions): cheap. `only`: these rollups;
    `dirty`: only the periods (country rows) and provinces x periods (the others) of the
    dirty cells (`_rollups_clear` deleted them)."""
    statements = []
    for rollup, fine, measures, levels in ROLLUPS:
        if only is not None and rollup not in only:
            continue
        text = [f.column for f in rollup._meta.concrete_fields if f.column in TEXT_DIMENSIONS]
        for level, (keys, where) in levels.items():
            # Text columns a level is not keyed by are '' (NOT NULL), the others NULL.
            blank = [c for c in text if c not in keys]
            columns = ", ".join(["level", *keys, *blank, *measures])
            values = ", ".join(
                [f"'{level.value}'", *keys, *["''"] * len(blank)] + [f"SUM({m})" for m in measures]
            )
            conditions = [where] if where else []
            if dirty:
                conditions.append(_dirty_rollup_condition(level))
            condition = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            statements.append(
                f"INSERT INTO {_t(rollup)} ({columns}) SELECT {values} FROM {_t(fine)}"
                f"{condition} GROUP BY {', '.join(keys)}"
            )
    return statements


def _dirty_rollup_condition(level: str) -> str:
    if level == Level.COUNTRY:
        return f"period IN (SELECT period FROM {DIRTY})"
    return f"(province_id, period) IN (SELECT province_id, period FROM {DIRTY}_places)"


def _training_cells_clear(cursor) -> None:
    """Delete the training rows and rollup rows the dirty cells will give again."""
    cursor.execute(
        f"DELETE FROM {_t(TrainingSummary)} WHERE centre_id IN (SELECT centre_id FROM {DIRTY}) "
        f"AND (centre_id, period) IN (SELECT centre_id, period FROM {DIRTY})"
    )
    for level in Level:
        cursor.execute(
            f"DELETE FROM {_t(TrainingRollup)} WHERE level = %s AND "
            + _dirty_rollup_condition(level),
            [level.value],
        )


def _marks_take(cursor, today: datetime.date) -> set[str]:
    """Take the change marks (deleting them) into the dirty tables; the kinds of the
    whole-table marks seen. Only marks this statement can see are deleted: one committed
    later stays for the next refresh (which then does its cell again: harmless)."""
    cal, change = _t(JalaliDay), _t(SummaryChange)
    # A second refresh in the same transaction (tests) finds the tables of the first.
    cursor.execute(
        f"DROP TABLE IF EXISTS summary_marks, {DIRTY}, {DIRTY}_places, {DIRTY}_cohorts, "
        f"{DIRTY}_enrolments, {DIRTY}_trainees, {DIRTY}_marks"
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE summary_marks (kind varchar(16), centre_id integer, "
        "period integer) ON COMMIT DROP"
    )
    cursor.execute(
        f"WITH gone AS (DELETE FROM {change} RETURNING kind, centre_id, period) "
        "INSERT INTO summary_marks SELECT DISTINCT kind, centre_id, period FROM gone"
    )
    cursor.execute("SELECT DISTINCT kind FROM summary_marks WHERE kind <> 'training'")
    kinds = {row[0] for row in cursor.fetchall()}
    # Each month marked, and the quarter and year it lies in (their in-training rows).
    cursor.execute(
        f"CREATE TEMPORARY TABLE {DIRTY} ON COMMIT DROP AS "
        f"SELECT DISTINCT m.centre_id, {_span_period('d', 'k.k')} AS period "
        f"FROM summary_marks m JOIN {cal} d ON d.period = m.period AND d.day = 1 "
        "CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k "
        "WHERE m.kind = 'training' AND m.centre_id IS NOT NULL"
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE {DIRTY}_places ON COMMIT DROP AS "
        f"SELECT DISTINCT ci.province_id, x.period FROM {DIRTY} x "
        f"JOIN {_t(Centre)} ce ON ce.id = x.centre_id JOIN {_t(City)} ci ON ci.id = ce.city_id"
    )
    _dirty_sets(cursor, today)
    return kinds


def _dirty_sets(cursor, today: datetime.date) -> None:
    """The rows the dirty cells are summed from, by centre: the dirty centres' cohorts,
    their enrolments, and the trainees whose outcomes count there (enrolled there, or
    registered there for an outcome of no enrolment; all of a trainee's outcomes, as the
    first of a kind is chosen among them), and the dirty enrolments' attendance per month
    (an aggregate inside the big query is estimated at a few rows and joined by a nested
    loop over every centre). Each analyzed as soon as made, so that the planner knows it
    is small when it makes the next (by index, not by scanning millions of rows)."""
    sessions = f"{DIRTY}_cohorts dc JOIN {_t(CohortSession)} s ON s.cohort_id = dc.id"
    sets = {
        "": None,
        "_places": None,
        "_cohorts": f"SELECT id FROM {_t(Cohort)} WHERE centre_id IN "
        f"(SELECT DISTINCT centre_id FROM {DIRTY})",
        "_enrolments": f"SELECT e.id, e.trainee_id FROM {DIRTY}_cohorts dc "
        f"JOIN {_t(Enrolment)} e ON e.cohort_id = dc.id",
        "_trainees": f"SELECT trainee_id AS id FROM {DIRTY}_enrolments UNION SELECT t.id "
        f"FROM {_t(Trainee)} t WHERE t.registered_at_id IN "
        f"(SELECT DISTINCT centre_id FROM {DIRTY})",
        "_marks": _marks_sql(sessions),
    }
    for name, select in sets.items():
        if select is not None:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {DIRTY}{name} ON COMMIT DROP AS {select}",
                {"today": today},
            )
        cursor.execute(f"ANALYZE {DIRTY}{name}")


def _sessions_since(cursor, last: datetime.date, today: datetime.date) -> None:
    """Mark the cells of the sessions dated after the last refresh's day up to today:
    they became sessions held without any row changing."""
    cursor.execute(
        f"INSERT INTO {_t(SummaryChange)} (kind, centre_id, period) "
        f"SELECT DISTINCT 'training', c.centre_id, d.period FROM {_t(CohortSession)} s "
        f"JOIN {_t(Cohort)} c ON c.id = s.cohort_id JOIN {_t(JalaliDay)} d ON d.date = s.date "
        "WHERE s.date > %s AND s.date <= %s",
        [last, today],
    )


def _work_mem(cursor) -> None:
    """Room for the refresh's aggregates to hash in memory (a sort spilled to disk took
    most of a rebuild's time), for this transaction only."""
    if connection.vendor == "postgresql":
        cursor.execute(f"SET LOCAL work_mem = '{SUMMARY_WORK_MEM}'")


def _lock_state() -> SummaryState:
    state = SummaryState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        SummaryState.objects.get_or_create(pk=1)
        state = SummaryState.objects.select_for_update().get(pk=1)
    return state


def _rebuild_ideas(cursor) -> None:
    cursor.execute(f"DELETE FROM {_t(IdeaSummary)}")
    cursor.execute(f"DELETE FROM {_t(IdeaRollup)}")
    cursor.execute(_ideas_sql())
    for statement in _rollup_sql({IdeaRollup}):
        cursor.execute(statement)


def _rebuild_headquarters(cursor, today: datetime.date) -> None:
    cursor.execute(f"DELETE FROM {_t(HeadquartersSummary)}")
    cursor.execute(f"DELETE FROM {_t(HeadquartersRollup)}")
    cursor.execute(_headquarters_sql(), [today])
    for statement in _rollup_sql({HeadquartersRollup}):
        cursor.execute(statement)


def _rebuild_indicators(cursor) -> None:
    cursor.execute(f"DELETE FROM {_t(IndicatorSummary)}")
    cursor.execute(f"DELETE FROM {_t(IndicatorDistrictSummary)}")
    cursor.execute(_indicators_sql())
    _indicator_districts_refresh()


def summaries_rebuild(*, today: datetime.date | None = None) -> SummaryState:
    """Rebuild every summary table whole, in one transaction; returns the state row.

    The incremental refresh (`summaries_refresh`) is the everyday path; this is its safety
    net (weekly beat entry, `manage.py summaries_refresh --full`) and what it falls back
    to when it cannot tell what changed (first run, a change of geography, no triggers).
    The state row is locked first (`select_for_update`), so two refreshes that overlap
    (beat and a page, or two workers) run one after the other instead of both deleting
    and both inserting.
    """
    started = time.monotonic()
    calendar_ensure()
    today = today or local_today()
    with transaction.atomic():
        state = _lock_state()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # What the marks say is in what this rebuild reads: drop them.
                cursor.execute(f"DELETE FROM {_t(SummaryChange)}")
            else:
                SummaryChange.objects.all().delete()
            _work_mem(cursor)
            cursor.execute(f"DELETE FROM {_t(TrainingSummary)}")
            cursor.execute(f"DELETE FROM {_t(TrainingRollup)}")
            cursor.execute(_training_sql(), {"today": today})
            for statement in _rollup_sql({TrainingRollup}):
                cursor.execute(statement)
            _rebuild_ideas(cursor)
            _rebuild_headquarters(cursor, today)
            _rebuild_indicators(cursor)
        now = timezone.now()
        state.refreshed_at = state.rebuilt_at = now
        state.full = True
        state.duration_ms = int((time.monotonic() - started) * 1000)
        state.save(update_fields=["refreshed_at", "rebuilt_at", "full", "duration_ms"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in SUMMARY_TABLES:
                cursor.execute(f"ANALYZE {_t(model)}")
    return state


def summaries_refresh(*, today: datetime.date | None = None) -> SummaryState:
    """Bring the summary tables up to date by what changed since the last refresh.

    The triggers of `outbox` leave a mark (centre, Jalali month) for every change of a
    training source, whatever wrote it; this deletes and sums again the rows of those
    cells (and of the quarters and years they lie in), then the rollup rows of their
    periods and provinces. The smaller summaries (ideas, headquarters, indicators) are
    rebuilt whole when one of their sources changed (and the headquarters' also when the
    day changed: its `overdue` is as of today). Work follows the centres and months
    touched, not the country. Falls back to `summaries_rebuild` on SQLite (no triggers),
    on the first run, and after a change of geography.
    """
    started = time.monotonic()
    if connection.vendor != "postgresql" or calendar_ensure():
        return summaries_rebuild(today=today)
    today = today or local_today()
    with transaction.atomic():
        state = _lock_state()
        if state.rebuilt_at is None or state.refreshed_at is None:
            return summaries_rebuild(today=today)
        last_day = timezone.localtime(state.refreshed_at).date()
        with connection.cursor() as cursor:
            if last_day < today:
                _sessions_since(cursor, last_day, today)
            _work_mem(cursor)
            kinds = _marks_take(cursor, today)
            if "all" in kinds:
                return summaries_rebuild(today=today)
            _training_cells_clear(cursor)
            cursor.execute(_training_sql(dirty=True), {"today": today})
            for statement in _rollup_sql({TrainingRollup}, dirty=True):
                cursor.execute(statement)
            if "ideas" in kinds:
                _rebuild_ideas(cursor)
            if "headquarters" in kinds or last_day < today:
                _rebuild_headquarters(cursor, today)
            if "indicators" in kinds:
                _rebuild_indicators(cursor)
        state.refreshed_at = timezone.now()
        state.full = False
        state.duration_ms = int((time.monotonic() - started) * 1000)
        state.save(update_fields=["refreshed_at", "full", "duration_ms"])
    return state


def summaries_fresh_enough(state: SummaryState | None) -> bool:
    return (
        state is not None
        and state.refreshed_at is not None
        and timezone.now() - state.refreshed_at <= SUMMARY_MAX_AGE
    )
