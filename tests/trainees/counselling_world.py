"""A centre with a counsellor who works every day from 09:00 to 12:00 in 45-minute slots."""

import datetime

from centres.models import StaffRole
from tests.centres.factories import staff_user
from trainees import services
from trainees.models import CounsellingBooking, CounsellingTopic, CounsellorAvailability


def topic(name="راهنمایی شغلی"):
    return CounsellingTopic.objects.get_or_create(name=name)[0]


def counsellor_at(centre, username="counsellor.a"):
    user = staff_user(username, StaffRole.Role.COUNSELLOR, centre)
    for weekday in range(7):
        CounsellorAvailability.objects.create(
            centre=centre,
            counsellor=user,
            weekday=weekday,
            start_time=datetime.time(9),
            end_time=datetime.time(12),
            slot_minutes=45,
        )
    return user


def first_slot(centre):
    return services.counselling_slots(centre=centre)[0]


def book(centre, *, name="مریم احمدی", mobile="09121111111", slot=None, **kwargs):
    slot = slot or first_slot(centre)
    return services.counselling_book(
        centre=centre, slot_key=slot.key, topic=topic(), name=name, mobile=mobile, **kwargs
    )


def held(booking, *, by, attended=True, notes=""):
    """Move the booking into the past, then record its session."""
    shift = booking.starts_at - datetime.timedelta(days=30)
    CounsellingBooking.objects.filter(pk=booking.pk).update(
        starts_at=shift, ends_at=shift + datetime.timedelta(minutes=45)
    )
    booking.refresh_from_db()
    return services.counselling_session_record(
        booking=booking, attended=attended, notes=notes, by=by
    )
