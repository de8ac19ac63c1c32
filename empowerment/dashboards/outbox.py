"""The outbox of the incremental summary refresh: PostgreSQL triggers on the source tables.

Each write to a table a summary reads leaves marks in `SummaryChange`, in the database
itself, so no write path can forget one: the admin, the API, imports, Celery tasks, bulk
`update()`, `bulk_create` and raw SQL alike. The triggers are per statement, with the
statement's old and new rows as transition tables: a bulk write of ten thousand rows
costs one `INSERT ... SELECT DISTINCT` of its marks, not ten thousand.

A training source marks (centre, Jalali month) for every date its rows (old and new)
count at: an enrolment's enrolment, drop-out, certificate and completion dates, the
sessions of its cohort (in training) and its outcomes; an attendance mark's session; a
cohort's whole run and everything of it. The other summaries are small: a change to one
of their sources marks the whole table (`kind` ideas, headquarters, indicators), and a
change of geography (a centre moving city, a city province, a neighbourhood district)
marks `all`, a full rebuild.

`install()` (re)creates every function and trigger; it runs after each `migrate`
(`DashboardsConfig.ready`), so a table added here is covered on the next deployment.
"""

from __future__ import annotations

from centres.models import (
    Centre,
    City,
    District,
    Headquarters,
    Indicator,
    Meeting,
    Neighbourhood,
    Resolution,
)
from empowerment.dashboards.models import JalaliDay, SummaryChange
from programs.models import Cohort, CohortSession, Idea, IdeaCall
from trainees.models import Attendance, Enrolment, Outcome, Product, Sale, Trainee


def _t(model) -> str:
    return f'"{model._meta.db_table}"'


def _enrolment_dates(enrolments: str, cohorts: str) -> str:
    """(centre_id, d_from, d_to) of every date where `enrolments` count, with the centre
    taken from `cohorts` (the cohort table, or a cohort trigger's own rows)."""
    return (
        f"SELECT c.centre_id, x.d AS d_from, x.d AS d_to FROM {enrolments} e "
        f"JOIN {cohorts} c ON c.id = e.cohort_id CROSS JOIN LATERAL (VALUES (e.enrolled_on), "
        "(e.dropped_on), (e.certificate_issued_on), (c.end_date)) x(d) "
        f"UNION ALL SELECT c.centre_id, s.date, s.date FROM {enrolments} e "
        f"JOIN {cohorts} c ON c.id = e.cohort_id JOIN {_t(CohortSession)} s "
        "ON s.cohort_id = e.cohort_id "
        f"UNION ALL SELECT c.centre_id, o.date, o.date FROM {enrolments} e "
        f"JOIN {cohorts} c ON c.id = e.cohort_id JOIN {_t(Outcome)} o ON o.enrolment_id = e.id"
    )


def _outcome_dates(outcomes: str, trainees: str = _t(Trainee)) -> str:
    return (
        f"SELECT COALESCE(c.centre_id, t.registered_at_id), o.date, o.date FROM {outcomes} o "
        f"JOIN {trainees} t ON t.id = o.trainee_id "
        f"LEFT JOIN {_t(Enrolment)} e ON e.id = o.enrolment_id "
        f"LEFT JOIN {_t(Cohort)} c ON c.id = e.cohort_id"
    )


def _cohort(rows: str) -> str:
    return (
        f"SELECT r.centre_id, r.start_date, r.end_date FROM {rows} r UNION ALL "
        + _enrolment_dates(
            f"(SELECT * FROM {_t(Enrolment)} WHERE cohort_id IN (SELECT id FROM {rows}))", rows
        )
        + f" UNION ALL SELECT r.centre_id, s.date, s.date FROM {rows} r "
        f"JOIN {_t(CohortSession)} s ON s.cohort_id = r.id "
        f"UNION ALL SELECT r.centre_id, s.date, s.date FROM {rows} r "
        f"JOIN {_t(Product)} p ON p.cohort_id = r.id JOIN {_t(Sale)} s ON s.product_id = p.id"
    )


def _trainee(rows: str) -> str:
    mine = f"(SELECT * FROM {_t(Enrolment)} WHERE trainee_id IN (SELECT id FROM {rows}))"
    outcomes = f"(SELECT * FROM {_t(Outcome)} WHERE trainee_id IN (SELECT id FROM {rows}))"
    return _enrolment_dates(mine, _t(Cohort)) + " UNION ALL " + _outcome_dates(outcomes, rows)


def _outcome(rows: str) -> str:
    # The first outcome of a kind, and an employer's latest jobs, depend on the person's
    # other outcomes: all of them are marked.
    columns = "id, trainee_id, enrolment_id, date"
    return _outcome_dates(
        f"(SELECT {columns} FROM {rows} UNION ALL SELECT {columns} FROM {_t(Outcome)} "
        f"WHERE trainee_id IN (SELECT trainee_id FROM {rows}))"
    )


# Training sources: table -> (centre_id, d_from, d_to) of the rows `{r}` (a transition
# table). Certificates, when they have a table of their own, get an entry here.
TRAINING_SOURCES = {
    Enrolment: lambda r: _enrolment_dates(r, _t(Cohort)),
    Attendance: lambda r: (
        f"SELECT c.centre_id, s.date, s.date FROM {r} a JOIN {_t(CohortSession)} s "
        f"ON s.id = a.session_id JOIN {_t(Cohort)} c ON c.id = s.cohort_id"
    ),
    CohortSession: lambda r: (
        f"SELECT c.centre_id, r.date, r.date FROM {r} r JOIN {_t(Cohort)} c ON c.id = r.cohort_id"
    ),
    Cohort: _cohort,
    Trainee: _trainee,
    Outcome: _outcome,
    Sale: lambda r: (
        f"SELECT c.centre_id, r.date, r.date FROM {r} r JOIN {_t(Product)} p "
        f"ON p.id = r.product_id JOIN {_t(Cohort)} c ON c.id = p.cohort_id"
    ),
    Product: lambda r: (
        f"SELECT c.centre_id, s.date, s.date FROM {r} r JOIN {_t(Sale)} s "
        f"ON s.product_id = r.id JOIN {_t(Cohort)} c ON c.id = r.cohort_id"
    ),
}
# Whole-table marks: table -> kind.
TABLE_SOURCES = {
    Idea: "ideas",
    IdeaCall: "ideas",
    Meeting: "headquarters",
    Resolution: "headquarters",
    Headquarters: "headquarters",
    Indicator: "indicators",
}
# Geography: a change of these columns (or any delete) moves rows between places.
GEOGRAPHY = {
    Centre: ["city_id"],
    City: ["province_id", "name"],
    District: ["city_id", "number", "name"],
    Neighbourhood: ["district_id", "name"],
}
EVENTS = {
    "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows", ["new_rows"]),
    "update": (
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        ["old_rows", "new_rows"],
    ),
    "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows", ["old_rows"]),
}


def _mark(kind: str) -> str:
    return f"INSERT INTO {_t(SummaryChange)} (kind) VALUES ('{kind}');"


def _body(model, rows: list[str], event: str) -> str | None:
    if model in TRAINING_SOURCES:
        affected = " UNION ALL ".join(TRAINING_SOURCES[model](r) for r in rows)
        return (
            f"INSERT INTO {_t(SummaryChange)} (kind, centre_id, period) "
            f"SELECT DISTINCT 'training', a.centre_id, j.period FROM ({affected}) a "
            "(centre_id, d_from, d_to) "
            f"JOIN {_t(JalaliDay)} j ON j.date BETWEEN a.d_from AND a.d_to "
            "WHERE a.centre_id IS NOT NULL;"
        )
    if model in TABLE_SOURCES:
        return _mark(TABLE_SOURCES[model])
    if event == "insert":
        return None  # a new place has no rows yet
    if event == "delete":
        return _mark("all")
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in GEOGRAPHY[model])
    return (
        "IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id "
        f"WHERE {changed}) THEN {_mark('all')} END IF;"
    )


def statements() -> list[str]:
    """The SQL that (re)creates every trigger function and trigger."""
    sql = []
    for model in [*TRAINING_SOURCES, *TABLE_SOURCES, *GEOGRAPHY]:
        table = model._meta.db_table
        for event, (verb, referencing, rows) in EVENTS.items():
            name = f"summary_mark_{table}_{event}"
            sql.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
            body = _body(model, rows, event)
            if body is None:
                continue
            sql.append(
                f'CREATE OR REPLACE FUNCTION "{name}"() RETURNS trigger LANGUAGE plpgsql AS $$ '
                f"BEGIN {body} RETURN NULL; END $$"
            )
            sql.append(
                f'CREATE TRIGGER "{name}" AFTER {verb} ON "{table}" {referencing} '
                f'FOR EACH STATEMENT EXECUTE FUNCTION "{name}"()'
            )
    return sql


def install(connection) -> None:
    """Create the triggers (PostgreSQL only; on SQLite the refresh is always whole)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)
