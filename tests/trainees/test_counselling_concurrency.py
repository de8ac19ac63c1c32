"""Two residents confirm the same slot at the same moment: one booking, one refusal.
Two connections on PostgreSQL (SQLite has one writer at a time)."""

import threading

import pytest
from django.db import connection

from tests.centres.factories import CentreFactory
from tests.trainees.counselling_world import counsellor_at, first_slot, topic
from trainees import services
from trainees.models import CounsellingBooking

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]

WAIT = 30


def test_two_concurrent_bookings_of_one_slot_keep_one():
    centre = CentreFactory()
    counsellor_at(centre)
    slot = first_slot(centre)
    chosen = topic()
    barrier = threading.Barrier(2, timeout=WAIT)
    results: dict[str, object] = {}

    def attempt(mobile):
        try:
            barrier.wait()
            results[mobile] = services.counselling_book(
                centre=centre, slot_key=slot.key, topic=chosen, name="ساکن", mobile=mobile
            )
        except BaseException as exc:  # reported below, not lost in the thread
            results[mobile] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(m,), daemon=True)
        for m in ("09121000001", "09121000002")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    outcomes = list(results.values())
    booked = [r for r in outcomes if isinstance(r, CounsellingBooking)]
    refused = [r for r in outcomes if isinstance(r, services.SlotTaken)]
    assert len(booked) == 1 and len(refused) == 1, outcomes
    assert CounsellingBooking.objects.filter(starts_at=slot.starts_at).count() == 1
