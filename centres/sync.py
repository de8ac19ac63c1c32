"""Sync of what changed: every row of a synced model carries the version of the transaction
that last wrote it, deletions leave tombstones, and a sync reads a closed window of
versions. A mobile client keeps its lists offline and asks for what changed since its
cursor (the API side is centres/api/base/sync.py).

Versions are written by database triggers, so every write is covered whatever made it:
a service's save(), bulk_create (attendance batches), queryset update() and delete(),
cascades, raw SQL imports. Triggers are (re)installed after every migrate
(`install_triggers`, a post_migrate receiver), so a database built from the models
(`--no-migrations`) has them too.

**PostgreSQL.** A row's version is its writing transaction's id (`pg_current_xact_id()`,
64 bits with the epoch: it never wraps). A sync takes the database's snapshot first
(`pg_current_snapshot()`: the ids below its xmax that are not in flight are done) and
reads the rows whose versions are done in that snapshot and were not done in the
previous sync's (the cursor carries it). Done transactions are visible to every read that
follows, and no row can be added to a version that is done: the window is closed. A
transaction still running when a cursor was handed out is in flight in that cursor's
snapshot, so it is read next time however late it commits, although its rows' timestamps
(updated_at) are older than the cursor. A long transaction delays nothing but itself.
A lagging replica answers with its own snapshot: what it has not replayed is read next
time, and a window opened on a more advanced server is cut down to what this one has
(`Window.narrowed`).

**SQLite** (the embedded default): one writer at a time, so a plain counter is exact:
each write takes the next value of `SyncClock` in its own transaction, and a sync's
snapshot is "everything up to the last value committed". Limitations: the counter is one
more write per written row, there is no replica, and it relies on SQLite serialising
writers; it is not a design for a database with concurrent writers.

Tombstones are kept (no purge yet): a retention period would need cursors older than it
to be refused (the client then syncs from the start).

What a version does not follow: a row's answer may show a related row's field (an
enrolment shows its trainee's name); renaming the trainee does not make the enrolment
change. A row that leaves a caller's scope without being deleted is not announced either
(the client keeps it until its next full sync). Trainees are the exception that matters:
a new enrolment opens a trainee to the enrolling centre, and a consent opens their
details, so those writes bump the trainee's version (`touch`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from centres.models.sync import SyncClock, SyncTombstone
from centres.scope import Scope

VERSION_FIELD = "sync_version"
# The version as read by a sync, annotated: a list's queryset may defer the column (only()).
POSITION = "sync_position"

# The transaction id as a plain bigint: xid8 has no direct cast to bigint.
_PG_STAMP = "pg_current_xact_id()::text::bigint"


def version_field() -> models.BigIntegerField:
    """The version column of a synced model (written by the triggers only)."""
    return models.BigIntegerField(_("sync version"), null=True, blank=True, editable=False)


def version_index(name: str) -> models.Index:
    """The index a sync reads: versions in a window, in (version, id) order."""
    return models.Index(fields=[VERSION_FIELD, "id"], name=name)


@dataclass(frozen=True)
class Tracked:
    """A synced model and how its deleted rows keep their scope (see `track`)."""

    model: type[models.Model]
    centre: str | None
    owner: str | None
    call: str | None
    kinds: tuple[str, ...]
    excluded_roles: tuple[str, ...]
    extra: Callable[[Scope], Q | None] | None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def tombstone_condition(self, scope: Scope) -> Q | None:
        """Which tombstones of this model a scope reads: those of rows it could see, by
        the centre and owner the row had (the model's own scope rules, seen from the
        tombstone). None: none at all."""
        if scope.is_global:
            return Q()
        paths = {
            "self": "owner_id",
            "centre": "centre",
            "city": "centre__city",
            "province": "centre__city__province",
            "headquarters": "centre__headquarters",
        }
        condition: Q | None = None
        for kind in self.kinds:
            if kind == "self":
                ids = {scope.user_id} if scope.user_id else set()
            elif self.excluded_roles:
                ids = scope.role_ids(kind, exclude=self.excluded_roles)
            else:
                ids = scope.ids(kind)
            if ids:
                part = Q(**{f"{paths[kind]}__in": ids})
                condition = part if condition is None else condition | part
        more = self.extra(scope) if self.extra else None
        if more is not None:
            condition = more if condition is None else condition | more
        return condition


@dataclass(frozen=True)
class Touch:
    """Writes to `model` bump the version of the row its `field` points to."""

    model: type[models.Model]
    field: str
    on_update: bool


_TRACKED: dict[str, Tracked] = {}
_TOUCHES: list[Touch] = []

SCOPE_KINDS = ("self", "centre", "city", "province", "headquarters")


def track(
    model: type[models.Model],
    *,
    centre: str,
    owner: str | None = None,
    call: str | None = None,
    kinds: tuple[str, ...] = SCOPE_KINDS,
    excluded_roles: tuple[str, ...] = (),
    extra: Callable[[Scope], Q | None] | None = None,
) -> None:
    """Make `model` synced: its rows get versions, its deletions tombstones.

    `centre`, `owner` and `call` are lookup paths from a row to its centre, the account it
    belongs to and its call for ideas, recorded on the tombstone when the row is deleted;
    `kinds` are the scope kinds that open the model's rows (and so its tombstones),
    `excluded_roles` roles whose scope does not open them (the model queryset's own), and
    `extra` any further condition on tombstones (a reviewer's calls).
    """
    _TRACKED[model._meta.label_lower] = Tracked(
        model, centre, owner, call, kinds, excluded_roles, extra
    )


def touch(model: type[models.Model], field: str, *, on_update: bool = False) -> None:
    """Rows of `model` inserted, deleted or moved (and with `on_update`, any change) bump
    the version of the synced row their foreign key `field` points to."""
    _TOUCHES.append(Touch(model, field, on_update))


def tracked(model) -> Tracked:
    return _TRACKED[model._meta.label_lower]


# --- Reading -------------------------------------------------------------------------------


# A snapshot's list of transactions in flight is carried in cursors; past this many, the
# snapshot is cut down to below its oldest one (fewer versions count as done: still exact).
MAX_IN_FLIGHT = 50


@dataclass(frozen=True)
class Snapshot:
    """Which versions were done (committed or rolled back) at a moment: those below `xmax`
    except the ones `in_flight`. PostgreSQL's pg_snapshot; on SQLite nothing is ever in
    flight for a reader and `xmax` is the clock plus one."""

    xmax: int = 0
    in_flight: tuple[int, ...] = ()

    @classmethod
    def of(cls, xmax: int, in_flight) -> Snapshot:
        in_flight = tuple(sorted({x for x in in_flight if x < xmax}))
        if len(in_flight) > MAX_IN_FLIGHT:
            return cls(in_flight[0], ())
        return cls(xmax, in_flight)

    def intersect(self, other: Snapshot) -> Snapshot:
        """The versions done in both."""
        return Snapshot.of(min(self.xmax, other.xmax), {*self.in_flight, *other.in_flight})

    def done(self, field: str) -> Q:
        condition = Q(**{f"{field}__lt": self.xmax})
        if self.in_flight:
            condition &= ~Q(**{f"{field}__in": self.in_flight})
        return condition

    def not_done(self, field: str) -> Q:
        condition = Q(**{f"{field}__gte": self.xmax})
        if self.in_flight:
            condition |= Q(**{f"{field}__in": self.in_flight})
        return condition


def current_snapshot(using: str = "default") -> Snapshot:
    """What is done now, as any read that starts after this one sees it (one query).

    PostgreSQL: the snapshot's xmax and the transactions in flight, the reader's own among
    them if it has written (its rows are not committed: they come in a later window)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_snapshot_xmax(s)::text::bigint, "
                "ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x), "
                "pg_current_xact_id_if_assigned()::text::bigint "
                "FROM pg_current_snapshot() AS s"
            )
            xmax, in_flight, own = cursor.fetchone()
            return Snapshot.of(int(xmax), [*in_flight, *([own] if own else [])])
        cursor.execute(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0)",
            [_clock_table()],
        )
        return Snapshot.of(int(cursor.fetchone()[0]) + 1, ())


Position = tuple[int, int] | None  # (version, id) of the last row sent


@dataclass(frozen=True)
class Window:
    """The versions done at `upper` and not at `since`, read in (version, id) order;
    `items` and `tombstones` are the positions of the last row and tombstone sent.
    `upper` None: not opened yet (the answering server opens it at its snapshot)."""

    since: Snapshot = Snapshot()
    upper: Snapshot | None = None
    items: Position = None
    tombstones: Position = None

    def narrowed(self, current: Snapshot) -> Window:
        """The window as this server can answer it: opened at its snapshot, or, when it has
        not finished everything the server that opened the window had (a lagging replica),
        cut down to what both have. The window only loses versions (the positions stay
        valid); they are read in the next window."""
        upper = current if self.upper is None else self.upper.intersect(current)
        return Window(self.since, upper, self.items, self.tombstones)

    def next(self, items: Position, tombstones: Position, more: bool) -> Window:
        if more:
            return Window(
                self.since, self.upper, items or self.items, tombstones or self.tombstones
            )
        # Caught up: the next sync opens the window that starts where this one ended.
        return Window(since=self.upper or self.since)


def _in_window(queryset, window: Window, position: Position, version: str, key: str):
    queryset = queryset.filter(window.since.not_done(version) & window.upper.done(version))
    if position is not None:
        after_version, after_id = position
        queryset = queryset.filter(
            Q(**{f"{version}__gt": after_version})
            | Q(**{version: after_version, f"{key}__gt": after_id})
        )
    return queryset.order_by(version, key)


def changed(queryset, window: Window):
    """The rows of a (scoped) queryset written within the window, in window order, each
    with its version as `sync_position` (a plain queryset or one of values())."""
    queryset = queryset.annotate(**{POSITION: F(VERSION_FIELD)})
    return _in_window(queryset, window, window.items, VERSION_FIELD, "pk")


def tombstones(model, scope: Scope, window: Window):
    """The tombstones of `model` within the window that the scope may read."""
    from_model = tracked(model)
    condition = from_model.tombstone_condition(scope)
    queryset = _tombstone_model().objects.filter(model=from_model.label)
    queryset = queryset.filter(condition) if condition is not None else queryset.none()
    return _in_window(queryset, window, window.tombstones, "version", "id").only(
        "id", "object_id", "version", "deleted_at"
    )


def _tombstone_model():
    return SyncTombstone


def _clock_table() -> str:
    return SyncClock._meta.db_table


# --- Triggers ------------------------------------------------------------------------------


def _column_sql(model, path: str | None, row: str, quote) -> str:
    """SQL for the id at the end of a lookup path from the trigger's OLD/NEW row: a chain of
    scalar subqueries through the foreign keys (the parents still exist when a row is
    deleted: Django's collector deletes children first)."""
    if not path:
        return "NULL"
    names = path.split("__")
    field = model._meta.get_field(names[0])
    expression = f"{row}.{quote(field.column)}"
    current = field.related_model
    for name in names[1:]:
        step = current._meta.get_field(name)
        expression = (
            f"(SELECT {quote(step.column)} FROM {quote(current._meta.db_table)} "
            f"WHERE {quote(current._meta.pk.column)} = {expression})"
        )
        current = step.related_model
    return expression


def _has_column(connection, table: str, column: str) -> bool:
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return False
        description = connection.introspection.get_table_description(cursor, table)
    return any(col.name == column for col in description)


def trigger_sql(vendor: str, quote) -> list[str]:
    """The statements that (re)install every trigger, idempotently."""
    tomb = _tombstone_model()
    tomb_table = quote(tomb._meta.db_table)
    statements: list[str] = []
    pg = vendor == "postgresql"
    clock = quote(_clock_table())
    # SQLite: take the next clock value (AUTOINCREMENT: never reused) and forget the older
    # ones; within the trigger, last_insert_rowid() is that value.
    tick = (
        f"INSERT INTO {clock} (id) VALUES (NULL); "
        f"DELETE FROM {clock} WHERE id < last_insert_rowid();"
    )
    if pg:
        statements.append(
            "CREATE OR REPLACE FUNCTION sync_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN NEW.{VERSION_FIELD} := {_PG_STAMP}; RETURN NEW; END $$"
        )
    for item in _TRACKED.values():
        meta = item.model._meta
        table = quote(meta.db_table)
        name = meta.db_table
        pk = quote(meta.pk.column)
        centre = _column_sql(item.model, item.centre, "OLD", quote)
        owner = _column_sql(item.model, item.owner, "OLD", quote)
        call = _column_sql(item.model, item.call, "OLD", quote)
        columns = "(model, object_id, version, centre_id, owner_id, call_id, deleted_at)"
        if pg:
            statements += [
                f"DROP TRIGGER IF EXISTS sync_stamp ON {table}",
                f"CREATE TRIGGER sync_stamp BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sync_stamp()",
                f"CREATE OR REPLACE FUNCTION sync_tombstone_{name}() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN INSERT INTO {tomb_table} {columns} VALUES "
                f"('{item.label}', OLD.{pk}, {_PG_STAMP}, {centre}, {owner}, {call}, now()); "
                "RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS sync_tombstone ON {table}",
                f"CREATE TRIGGER sync_tombstone AFTER DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION sync_tombstone_{name}()",
            ]
        else:
            stamp = (
                f"UPDATE {table} SET {VERSION_FIELD} = last_insert_rowid() WHERE {pk} = NEW.{pk};"
            )
            for event in ("insert", "update"):
                statements += [
                    f"DROP TRIGGER IF EXISTS sync_stamp_{event}_{name}",
                    f"CREATE TRIGGER sync_stamp_{event}_{name} AFTER {event.upper()} ON {table} "
                    f"FOR EACH ROW BEGIN {tick} {stamp} END",
                ]
            statements += [
                f"DROP TRIGGER IF EXISTS sync_tombstone_{name}",
                f"CREATE TRIGGER sync_tombstone_{name} AFTER DELETE ON {table} "
                f"FOR EACH ROW BEGIN {tick} INSERT INTO {tomb_table} {columns} VALUES "
                f"('{item.label}', OLD.{pk}, last_insert_rowid(), {centre}, {owner}, {call}, "
                "strftime('%Y-%m-%d %H:%M:%f', 'now')); END",
            ]
    for item in _TOUCHES:
        meta = item.model._meta
        field = meta.get_field(item.field)
        column = quote(field.column)
        table = quote(meta.db_table)
        parent = field.related_model._meta
        parent_table = quote(parent.db_table)
        parent_pk = quote(parent.pk.column)
        name = f"{meta.db_table}_{field.column}"
        bump = f"UPDATE {parent_table} SET {parent_pk} = {parent_pk} WHERE {parent_pk} ="
        moved = f"NEW.{column} IS DISTINCT FROM OLD.{column}"
        if pg:
            old_on_update = "TRUE" if item.on_update else moved
            statements += [
                f"CREATE OR REPLACE FUNCTION sync_touch_{name}() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND {old_on_update}) THEN "
                f"{bump} OLD.{column}; END IF; "
                f"IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND {moved}) THEN "
                f"{bump} NEW.{column}; END IF; RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS sync_touch ON {table}",
                f"CREATE TRIGGER sync_touch AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION sync_touch_{name}()",
            ]
        else:
            when = "" if item.on_update else f" WHEN NEW.{column} IS NOT OLD.{column}"
            statements += [
                f"DROP TRIGGER IF EXISTS sync_touch_insert_{name}",
                f"CREATE TRIGGER sync_touch_insert_{name} AFTER INSERT ON {table} "
                f"FOR EACH ROW BEGIN {bump} NEW.{column}; END",
                f"DROP TRIGGER IF EXISTS sync_touch_delete_{name}",
                f"CREATE TRIGGER sync_touch_delete_{name} AFTER DELETE ON {table} "
                f"FOR EACH ROW BEGIN {bump} OLD.{column}; END",
                f"DROP TRIGGER IF EXISTS sync_touch_update_{name}",
                f"CREATE TRIGGER sync_touch_update_{name} AFTER UPDATE ON {table} "
                f"FOR EACH ROW{when} BEGIN {bump} OLD.{column}; {bump} NEW.{column}; END",
            ]
    return statements


def install_triggers(using: str = "default") -> bool:
    """(Re)install the triggers, then version the rows that have none (rows written before
    the triggers existed: the UPDATE goes through them). False: not installed (yet)."""
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        return False
    tomb = _tombstone_model()
    if not _has_column(connection, tomb._meta.db_table, "version"):
        return False  # the centres migrations have not reached the tombstones yet
    models_ready = [
        item
        for item in _TRACKED.values()
        if _has_column(connection, item.model._meta.db_table, VERSION_FIELD)
    ]
    if len(models_ready) != len(_TRACKED):
        return False  # a partial migrate: the next full one installs them
    with connection.cursor() as cursor:
        for statement in trigger_sql(connection.vendor, connection.ops.quote_name):
            cursor.execute(statement)
        for item in _TRACKED.values():
            table = connection.ops.quote_name(item.model._meta.db_table)
            cursor.execute(
                f"UPDATE {table} SET {VERSION_FIELD} = NULL WHERE {VERSION_FIELD} IS NULL"
            )
    return True


# Databases this process has installed the triggers in. A flush (the test suite's, after
# each transactional test) sends post_migrate again but leaves triggers in place.
_INSTALLED: set[tuple[str, str]] = set()


def install_triggers_on_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver (centres/apps.py): once per database and process."""
    key = (using, str(connections[using].settings_dict["NAME"]))
    if key in _INSTALLED:
        return
    if install_triggers(using):
        _INSTALLED.add(key)
