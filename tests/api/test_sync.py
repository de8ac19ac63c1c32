"""`<list>/sync/?updated_since=`: what changed since the cursor, deletions as tombstones
(centres/api/base/sync.py, centres/sync.py). The late commit of a long transaction is in
test_sync_concurrency.py (PostgreSQL, two connections)."""

import datetime
import uuid

import pytest
from django.core import signing
from django.db import connection
from django.urls import reverse

from centres import sync
from centres.scope import forget_scope
from empowerment.kernel.jalali import local_today
from programs.models import CohortSession
from programs.models.ideas import Idea
from tests.api.world import ROLES, build_world
from tests.centres.factories import CentreFactory, staff_user
from tests.programs.factories import CohortSessionFactory
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees.models import Attendance, Enrolment, Outcome, Trainee

# Transactional where a test writes between syncs: each write commits, as the app's do.
# (Inside one test transaction every row carries the test's own transaction id, in flight
# for every sync on PostgreSQL.)
transactional = pytest.mark.django_db(transaction=True)

SYNCED = ["session", "trainee", "enrolment", "attendance", "idea"]


def sync_once(client, endpoint, cursor=None, **params):
    if cursor is not None:
        params["updated_since"] = cursor
    response = client.get(reverse(f"api:{endpoint}-sync"), params)
    assert response.status_code == 200, response.content
    return response.json()


def sync_all(client, endpoint, cursor=None, **params):
    """Follow has_more to the end: (ids changed, ids deleted, the cursor to keep)."""
    changed, deleted = set(), set()
    for _ in range(1000):
        body = sync_once(client, endpoint, cursor, **params)
        changed |= {row["id"] for row in body["results"]}
        deleted |= {row["id"] for row in body["tombstones"]}
        assert all(row["deleted"] is True for row in body["tombstones"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return changed, deleted, cursor
    raise AssertionError("the sync never ended")


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture
def staff(world, client_for):
    return client_for(world["own"]["users"]["centre_staff"])


@pytest.fixture
def someone(db, client_for):
    """A centre's staff member, for the refusals (no rows needed)."""
    return client_for(staff_user("staff.refused", "centre_staff", CentreFactory()))


@transactional
def test_first_sync_is_the_callers_list_then_only_what_changed(world, staff):
    for endpoint in SYNCED:
        own, foreign = world["own"]["rows"][endpoint], world["foreign"]["rows"][endpoint]
        changed, deleted, cursor = sync_all(staff, endpoint)
        assert own.pk in changed and foreign.pk not in changed and not deleted, endpoint

        # Nothing changed: an empty answer.
        body = sync_once(staff, endpoint, cursor)
        assert body["results"] == [] and body["tombstones"] == [] and body["has_more"] is False

        # One change on each side: only the caller's comes, once.
        for row in (own, foreign):
            type(row).objects.filter(pk=row.pk).update(updated_at=row.updated_at)
        changed, deleted, cursor = sync_all(staff, endpoint, cursor)
        assert changed == {own.pk} and not deleted, endpoint
        assert sync_all(staff, endpoint, cursor)[:2] == (set(), set()), endpoint


@transactional
def test_the_answer_is_the_lists_rows(world, staff):
    listed = staff.get(reverse("api:attendance-list")).json()["results"]
    synced = sync_once(staff, "attendance")["results"]
    assert synced == listed


@transactional
def test_pages_follow_has_more_to_every_row(world, staff):
    cohort = world["own"]["rows"]["cohort"]
    sessions = CohortSessionFactory.create_batch(5, cohort=cohort)
    changed, _deleted, cursor = sync_all(staff, "session", page_size=2)
    assert {s.pk for s in sessions} | {world["own"]["rows"]["session"].pk} == changed
    first = sync_once(staff, "session", None, page_size=2)
    assert first["has_more"] is True and len(first["results"]) == 2
    # Changed while the client pages: the rows come again in the next window, not lost.
    CohortSession.objects.filter(pk=sessions[0].pk).update(topic="تغییر")
    changed, _deleted, _cursor = sync_all(staff, "session", cursor, page_size=2)
    assert changed == {sessions[0].pk}


@transactional
def test_bulk_writes_and_raw_sql_are_versioned(world, staff):
    own = world["own"]["rows"]
    _changed, _deleted, cursor = sync_all(staff, "attendance")
    # An attendance batch is a bulk insert; corrections are queryset updates or raw SQL.
    session = CohortSessionFactory(cohort=own["cohort"], date=local_today())
    made = Attendance.objects.bulk_create(
        [Attendance(session=session, enrolment=own["enrolment"], status="present")]
    )
    changed, _deleted, cursor = sync_all(staff, "attendance", cursor)
    assert changed == {made[0].pk}
    Attendance.objects.filter(pk=own["attendance"].pk).update(status="absent")
    changed, _deleted, cursor = sync_all(staff, "attendance", cursor)
    assert changed == {own["attendance"].pk}
    table = Attendance._meta.db_table
    with connection.cursor() as raw:
        raw.execute(f"UPDATE {table} SET status = 'excused' WHERE id = %s", [made[0].pk])
    changed, _deleted, cursor = sync_all(staff, "attendance", cursor)
    assert changed == {made[0].pk}


def _delete(row):
    # Outcomes protect enrolments and trainees, and enrolments protect a trainee: they (and
    # their marks) go first.
    if isinstance(row, Trainee):
        Outcome.objects.filter(trainee=row).delete()
        Enrolment.objects.filter(trainee=row).delete()
    if isinstance(row, Enrolment):
        Outcome.objects.filter(enrolment=row).delete()
    row.delete()


# Deleted in this order, each row's dependants first (see _delete).
DELETION_ORDER = ("attendance", "session", "idea", "enrolment", "trainee")


@transactional
def test_a_deletion_is_a_tombstone_for_those_who_saw_the_row_only(world, client_for):
    users = world["users"]
    clients = {role: client_for(users[role]) for role in ROLES if role != "anonymous"}
    cursors, sees = {}, {}
    for role, client in clients.items():
        for endpoint in SYNCED:
            changed, _deleted, cursors[role, endpoint] = sync_all(client, endpoint)
            sees[role, endpoint] = changed
    gone = {}
    for side in ("own", "foreign"):
        for endpoint in DELETION_ORDER:
            row = world[side]["rows"][endpoint]
            gone[side, endpoint] = row.pk
            _delete(row)
    for role, client in clients.items():
        for endpoint in SYNCED:
            _changed, deleted, _cursor = sync_all(client, endpoint, cursors[role, endpoint])
            # Whoever had the row learns it is gone; nobody learns a foreign centre's ids.
            own_pk, foreign_pk = gone["own", endpoint], gone["foreign", endpoint]
            assert (own_pk in deleted) is (own_pk in sees[role, endpoint]), (role, endpoint)
            assert (foreign_pk in deleted) is (role == "administrator"), (role, endpoint)


@transactional
def test_a_cascade_leaves_tombstones(world, staff):
    own = world["own"]["rows"]
    _changed, _deleted, cursor = sync_all(staff, "attendance")
    own["session"].delete()  # its marks go with it (CASCADE)
    _changed, deleted, _cursor = sync_all(staff, "attendance", cursor)
    assert deleted == {own["attendance"].pk}


@transactional
def test_an_enrolment_opens_a_trainee_registered_elsewhere(world, staff):
    own, foreign = world["own"], world["foreign"]
    _changed, _deleted, cursor = sync_all(staff, "trainee")
    stranger = foreign["rows"]["trainee"]
    EnrolmentFactory(trainee=stranger, cohort=own["rows"]["cohort"])
    changed, _deleted, _cursor = sync_all(staff, "trainee", cursor)
    assert changed == {stranger.pk}


@transactional
def test_a_resident_syncs_their_own_rows(world, client_for):
    resident = client_for(world["users"]["resident"])
    own = world["own"]["rows"]
    for endpoint in ("trainee", "enrolment", "idea"):
        changed, _deleted, _cursor = sync_all(resident, endpoint)
        assert changed == {own[endpoint].pk}
    assert sync_all(resident, "attendance")[0] == set()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",  # empty is a first sync, not an error: checked below
        "W1swLG51bGxdXQ:1tQ1Zx:forged-signature",
        signing.dumps([1, 0, [], None, None, None, None, None, None], salt="another salt"),
        signing.dumps(
            [2, 0, [], None, None, None, None, None, None], salt="empowerment.api.sync:session"
        ),
        signing.dumps(
            [1, 0, ["x"], None, None, None, None, None, None], salt="empowerment.api.sync:session"
        ),
        signing.dumps(["x", "y"], salt="empowerment.api.sync:session"),
        "۱۲۳",
    ],
    # Named, not shown: a signed value holds its time, and pytest-xdist refuses workers
    # whose collected test ids differ.
    ids=[
        "garbage",
        "empty",
        "forged-signature",
        "other-salt",
        "other-version",
        "bad-in-flight",
        "bad-shape",
        "persian-digits",
    ],
)
def test_a_forged_or_garbled_cursor_is_a_400_in_the_error_shape(someone, cursor):
    response = someone.get(reverse("api:session-sync"), {"updated_since": cursor})
    if cursor == "":
        assert response.status_code == 200
        return
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_cursor"
    assert set(body) == {"detail", "code", "errors"} and "updated_since" in body["errors"]


def test_a_cursor_belongs_to_its_list(someone):
    cursor = sync_once(someone, "session")["next_cursor"]
    response = someone.get(reverse("api:attendance-sync"), {"updated_since": cursor})
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("size", ["0", "501", "1.5", "x"])
def test_a_bad_page_size_is_a_400(someone, size):
    response = someone.get(reverse("api:session-sync"), {"page_size": size})
    assert response.status_code == 400 and "page_size" in response.json()["errors"]


def test_anonymous_is_refused(db, api_client):
    assert api_client.get(reverse("api:session-sync")).status_code == 401


@transactional
def test_a_lagging_replica_narrows_the_window_and_misses_nothing(world, staff, monkeypatch):
    """A cursor handed out by a server ahead of the one answering the next request: the
    rows that one has not replayed come in a later window, never skipped."""
    own = world["own"]["rows"]
    _changed, _deleted, cursor = sync_all(staff, "session")
    behind = sync.current_snapshot()
    session = CohortSessionFactory(cohort=own["cohort"])
    # The replica answering next is behind: it has not replayed the new row.
    monkeypatch.setattr(sync, "current_snapshot", lambda using="default": behind)
    changed, _deleted, cursor = sync_all(staff, "session", cursor)
    assert changed == set()
    monkeypatch.undo()
    changed, _deleted, cursor = sync_all(staff, "session", cursor)
    assert changed == {session.pk}


def _many_rows(world, n):
    """n more changed rows of every synced list on the own side."""
    own = world["own"]
    cohort = own["rows"]["cohort"]
    sessions = [
        CohortSessionFactory(cohort=cohort, date=cohort.start_date + datetime.timedelta(days=i))
        for i in range(n)
    ]
    enrolments = [EnrolmentFactory(cohort=cohort) for _ in range(n)]
    Attendance.objects.bulk_create(
        Attendance(session=s, enrolment=e, status="present", client_uuid=uuid.uuid4())
        for s, e in zip(sessions, enrolments, strict=True)
    )
    TraineeFactory.create_batch(n, registered_at=own["centre"])
    call = own["rows"]["idea-call"]
    for i in range(n):
        Idea.objects.create(
            call=call,
            submitter_name="نام",
            submitter_mobile=f"0912{i:07d}",
            title=f"ایده {i}",
            summary="خلاصه",
        )


# 1 the caller's staff roles (scope), 2 the database's snapshot, 3 the changed rows with the
# list's joins (and, for trainees, whether their details are shared, in the same query),
# 4 the tombstones in scope.
SYNC_QUERIES = 4


@transactional
def test_a_sync_costs_the_same_queries_whatever_the_rows(
    world, client_for, django_assert_num_queries
):
    user = world["own"]["users"]["centre_staff"]
    client = client_for(user)
    cursors = {}
    for endpoint in SYNCED:
        cursors[endpoint] = sync_all(client, endpoint)[2]
        forget_scope(user)
        with django_assert_num_queries(SYNC_QUERIES):
            first = sync_once(client, endpoint, cursors[endpoint])
        assert first["results"] == [] and first["tombstones"] == []
    _many_rows(world, 20)
    for endpoint in DELETION_ORDER:
        _delete(world["own"]["rows"][endpoint])  # and a tombstone
    for endpoint in SYNCED:
        forget_scope(user)
        with django_assert_num_queries(SYNC_QUERIES):
            body = sync_once(client, endpoint, cursors[endpoint])
        assert len(body["results"]) >= 20 and len(body["tombstones"]) >= 1, endpoint
        # The first sync, every row at once, costs the same, less the tombstones' query
        # (a client with no rows has none to delete).
        forget_scope(user)
        with django_assert_num_queries(SYNC_QUERIES - 1):
            assert sync_once(client, endpoint)["tombstones"] == []


@transactional
def test_rows_written_before_the_triggers_get_a_version(world, staff):
    """Rows that existed when the sync was installed (no version) come in the first sync:
    installing the triggers versions them."""
    own = world["own"]["rows"]["session"]
    with connection.cursor() as raw:
        for statement in sync.trigger_sql(connection.vendor, connection.ops.quote_name):
            if "DROP TRIGGER" in statement and "cohortsession" in statement:
                raw.execute(statement)
        raw.execute(
            f"UPDATE {CohortSession._meta.db_table} SET sync_version = NULL WHERE id = %s",
            [own.pk],
        )
    sync.install_triggers()
    assert CohortSession.objects.get(pk=own.pk).sync_version is not None
    assert own.pk in sync_all(staff, "session")[0]
