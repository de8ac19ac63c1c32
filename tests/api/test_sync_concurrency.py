"""A sync never misses a row committed late: a long transaction writes a row (stamped, by
its clock, before the cursor) and commits only after a sync handed the cursor out; the next
sync returns it. Two connections on PostgreSQL (SQLite has one writer at a time)."""

import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from programs.models import CohortSession
from tests.centres.factories import CentreFactory, staff_user
from tests.programs.factories import CohortFactory, CohortSessionFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]

WAIT = 30  # seconds: a bound for a loaded machine, never reached when all goes well


def _sync(client, cursor=None):
    params = {"updated_since": cursor} if cursor else {}
    response = client.get(reverse("api:session-sync"), params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["has_more"] is False
    return body


class LongTransaction(threading.Thread):
    """Runs `write` in its own connection and transaction, then waits to commit."""

    def __init__(self, write):
        super().__init__(daemon=True)
        self.write = write
        self.written = threading.Event()
        self.commit = threading.Event()
        self.error = None

    def run(self):
        try:
            with transaction.atomic():
                self.write()
                self.written.set()
                assert self.commit.wait(WAIT)
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc
            self.written.set()
        finally:
            connection.close()


@pytest.fixture
def side():
    centre = CentreFactory()
    cohort = CohortFactory(centre=centre)
    session = CohortSessionFactory(cohort=cohort)
    client = APIClient()
    client.force_authenticate(staff_user("staff.late", "centre_staff", centre))
    return {"session": session, "client": client}


@pytest.mark.parametrize("change", ["update", "delete"])
def test_a_change_committed_after_the_cursor_was_handed_out_comes_next_time(side, change):
    session, client = side["session"], side["client"]
    cursor = _sync(client)["next_cursor"]

    def write():
        rows = CohortSession.objects.filter(pk=session.pk)
        rows.update(topic="دیر", updated_at=timezone.now()) if change == "update" else rows.delete()

    late = LongTransaction(write)
    late.start()
    assert late.written.wait(WAIT) and late.error is None
    stamped = timezone.now()  # the change's updated_at (its clock) is before this

    # A sync while the change is written but not committed: it cannot see it, and hands
    # out a cursor later than the change's timestamp.
    body = _sync(client, cursor)
    assert body["results"] == [] and body["tombstones"] == []
    cursor = body["next_cursor"]
    handed_out = timezone.now()
    assert stamped < handed_out

    late.commit.set()
    late.join(WAIT)
    assert not late.is_alive() and late.error is None

    body = _sync(client, cursor)
    if change == "update":
        assert [row["id"] for row in body["results"]] == [session.pk]
        assert body["results"][0]["topic"] == "دیر"
        # A cursor of timestamps would have missed it: the row is older than the cursor.
        assert CohortSession.objects.get(pk=session.pk).updated_at < handed_out
    else:
        assert [row["id"] for row in body["tombstones"]] == [session.pk]
    # And only once: the window after it is empty.
    body = _sync(client, body["next_cursor"])
    assert body["results"] == [] and body["tombstones"] == []


def test_a_bulk_insert_committed_late_comes_next_time(side):
    session, client = side["session"], side["client"]
    cursor = _sync(client)["next_cursor"]
    made = []

    def write():
        made.extend(
            CohortSession.objects.bulk_create(
                [
                    CohortSession(
                        cohort=session.cohort,
                        date=session.date,
                        start_time=f"{hour:02d}:00",
                        hours=1,
                    )
                    for hour in (20, 21, 22)  # the factory session is in the morning
                ]
            )
        )

    late = LongTransaction(write)
    late.start()
    assert late.written.wait(WAIT) and late.error is None
    cursor = _sync(client, cursor)["next_cursor"]
    late.commit.set()
    late.join(WAIT)
    assert late.error is None
    body = _sync(client, cursor)
    assert {row["id"] for row in body["results"]} == {row.pk for row in made}
