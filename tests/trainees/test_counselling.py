"""Counselling: slots, bookings, cancelling, reminders, the session's record, the notes
(sealed, read by the counsellor and the manager only, break-glass for administrators), and
referrals (a cohort, a partner, a job)."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from centres.models import StaffRole
from empowerment.celery import app
from empowerment.kernel.jalali import local_today
from empowerment.kernel.models import OutboxMessage
from tests.centres.factories import PartnerFactory, UserFactory, staff_user
from tests.codes import error_codes
from tests.trainees.counselling_world import book, counsellor_at, first_slot, held, topic
from tests.trainees.test_cohort_interest import planned
from trainees import services
from trainees.models import (
    CohortInterest,
    CounsellingBooking,
    CounsellingNote,
    CounsellingNoteAccess,
    CounsellingReferral,
    CounsellingTopic,
    CounsellorAvailability,
)
from trainees.tasks import counselling_reminders_task

pytestmark = pytest.mark.django_db

SECRET = "اعتیاد همسر و بدهی سنگین؛ نیاز به حمایت فوری"


@pytest.fixture
def counsellor(isfahan):
    return counsellor_at(isfahan)


def _codes(excinfo):
    return error_codes(excinfo.value)


def test_topics_are_seeded_by_the_migration():
    # Called directly: a transactional test earlier in the run may have emptied the table.
    migration = importlib.import_module("trainees.migrations.0011_counsel_seed_topics")
    migration.seed(django_apps, None)
    migration.seed(django_apps, None)  # twice: no duplicates
    names = set(CounsellingTopic.objects.values_list("name", flat=True))
    assert {"راهنمایی شغلی", "مشاوره خانواده", "مشاوره حقوقی و بیمه"} <= names
    assert len(names) >= 5


def test_slots_follow_the_weekly_hours_and_hide_booked_ones(isfahan, counsellor):
    slots = services.counselling_slots(centre=isfahan)
    assert slots and all(s.counsellor_id == counsellor.pk for s in slots)
    # 09:00, 09:45, 10:30, 11:15 a day: a slot that would end after 12:00 is not made.
    tomorrow = [s for s in slots if s.starts_at.date() == slots[-1].starts_at.date()]
    assert [f"{s.starts_at:%H:%M}" for s in tomorrow] == ["09:00", "09:45", "10:30", "11:15"]
    booking = book(isfahan, slot=slots[0])
    assert booking.tracking_number.startswith("3") and len(booking.tracking_number) == 10
    assert slots[0].key not in {s.key for s in services.counselling_slots(centre=isfahan)}


def test_a_slot_is_never_booked_twice(isfahan, counsellor):
    slot = first_slot(isfahan)
    book(isfahan, slot=slot)
    with pytest.raises(ValidationError) as taken:
        book(isfahan, slot=slot, mobile="09122222222")
    assert _codes(taken) == ["slot_taken"]
    assert CounsellingBooking.objects.count() == 1


def test_the_database_refuses_a_second_active_booking_of_a_slot(isfahan, counsellor):
    first = book(isfahan)
    second = CounsellingBooking(
        centre=isfahan,
        counsellor=counsellor,
        starts_at=first.starts_at,
        ends_at=first.ends_at,
        topic=topic(),
        name="x",
        mobile="09123333333",
    )
    # PostgreSQL names the constraint; SQLite names its columns.
    refused = "counsellingbooking_one_active_per_slot|trainees_counsellingbooking.starts_at"
    with pytest.raises(IntegrityError, match=refused), transaction.atomic():
        second.save()


def test_a_cancelled_booking_frees_its_slot(isfahan, counsellor):
    slot = first_slot(isfahan)
    booking = book(isfahan, slot=slot)
    services.counselling_cancel(booking=booking)
    services.counselling_cancel(booking=booking)  # twice: no harm
    again = book(isfahan, slot=slot, mobile="09124444444")
    assert again.status == CounsellingBooking.Status.BOOKED


@pytest.mark.parametrize(
    "key",
    [
        "",
        "garbage",
        "999999@2030-01-01T09:00:00+03:30",
        "{pk}@2001-01-01T09:00:00+03:30",  # the past
        "{pk}@{tomorrow}T09:10:00+03:30",  # not on a slot's boundary
        "{pk}@{tomorrow}T09:00:00",  # no time zone
        "{pk}@{far}T09:00:00+03:30",  # beyond the booking window
    ],
)
def test_forged_slots_are_refused(isfahan, counsellor, key):
    today = datetime.date.today()
    key = key.format(
        pk=counsellor.pk,
        tomorrow=(today + datetime.timedelta(days=1)).isoformat(),
        far=(today + datetime.timedelta(days=60)).isoformat(),
    )
    with pytest.raises(ValidationError) as refused:
        services.counselling_book(
            centre=isfahan, slot_key=key, topic=topic(), name="x", mobile="09121111111"
        )
    assert _codes(refused) == ["slot_unknown"]


def test_a_slot_of_another_centre_is_refused(isfahan, karaj, counsellor):
    slot = first_slot(isfahan)
    with pytest.raises(ValidationError) as refused:
        services.counselling_book(
            centre=karaj, slot_key=slot.key, topic=topic(), name="x", mobile="09121111111"
        )
    assert _codes(refused) == ["slot_unknown"]


def test_a_counsellor_whose_role_ended_offers_no_slots(isfahan, counsellor):
    StaffRole.objects.filter(user=counsellor).update(is_active=False)
    assert services.counselling_slots(centre=isfahan) == []


def test_persian_digits_in_the_mobile_are_read(isfahan, counsellor):
    booking = book(isfahan, mobile="۰۹۱۲۱۲۳۴۵۶۷")
    assert booking.mobile == "09121234567"


def test_broken_mobile_is_refused(isfahan, counsellor):
    with pytest.raises(ValidationError):
        book(isfahan, mobile="12345")


def test_cancel_token_round_trip_and_forgery(isfahan, counsellor):
    booking = book(isfahan)
    token = services.booking_cancel_token(booking)
    assert services.booking_from_cancel_token(token) == booking
    assert services.booking_from_cancel_token(token + "x") is None
    assert services.booking_from_cancel_token("") is None


def test_reminder_the_day_before_once(isfahan, counsellor):
    booking = book(isfahan)
    day = booking.starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=3, minutes=30)))
    assert services.counselling_reminders_queue(on=day.date()) == 1
    assert services.counselling_reminders_queue(on=day.date()) == 0
    message = OutboxMessage.objects.get(key=f"counselling-reminder:{booking.pk}")
    assert message.recipient == booking.mobile and isfahan.name in message.text


def test_the_reminder_task_is_on_the_beat_schedule(isfahan, counsellor):
    entry = app.conf.beat_schedule["counselling-reminders"]
    assert entry["task"] == "trainees.counselling_reminders"
    booking = book(isfahan)
    day = booking.starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=3, minutes=30)))
    assert counselling_reminders_task.apply(kwargs={"on": day.date().isoformat()}).get() == 1


def test_no_reminder_for_a_cancelled_booking(isfahan, counsellor):
    booking = book(isfahan)
    services.counselling_cancel(booking=booking)
    day = booking.starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=3, minutes=30)))
    assert services.counselling_reminders_queue(on=day.date()) == 0


# --- The session and its notes -------------------------------------------------------------


def test_notes_are_sealed_in_the_database(isfahan, counsellor):
    booking = held(book(isfahan), by=counsellor, notes=SECRET)
    assert booking.status == CounsellingBooking.Status.ATTENDED
    with connection.cursor() as cursor:
        cursor.execute("select text from trainees_counsellingnote")
        (raw,) = cursor.fetchone()
    assert SECRET not in raw and "اعتیاد" not in raw and raw.startswith("fernet:")
    assert CounsellingNote.objects.get().text == SECRET


def test_only_the_counsellor_and_the_manager_read_notes(isfahan, karaj, counsellor, manager, staff):
    booking = held(book(isfahan), by=counsellor, notes=SECRET)
    assert services.counselling_notes_read(booking=booking, user=counsellor) == SECRET
    assert services.counselling_notes_read(booking=booking, user=manager) == SECRET
    others = [
        staff,
        counsellor_at(isfahan, "counsellor.b"),
        staff_user("manager.k", "centre_manager", karaj),
        UserFactory(username="admin.x", is_superuser=True, is_staff=True),
    ]
    for user in others:
        with pytest.raises(ValidationError) as closed:
            services.counselling_notes_read(booking=booking, user=user)
        assert _codes(closed) == ["notes_not_allowed"], user


def test_break_glass_needs_a_reason_and_is_recorded(isfahan, counsellor, manager):
    booking = held(book(isfahan), by=counsellor, notes=SECRET)
    admin = staff_user("admin.y", "administrator")
    with pytest.raises(ValidationError) as short:
        services.counselling_notes_break_glass(booking=booking, user=admin, reason="کوتاه")
    assert _codes(short) == ["reason_required"]
    services.counselling_notes_break_glass(
        booking=booking, user=admin, reason="شکایت رسمی خانواده و دستور مرجع قضایی"
    )
    assert services.counselling_notes_read(booking=booking, user=admin) == SECRET
    services.counselling_notes_break_glass(
        booking=booking, user=admin, reason="بار دوم برای همان پرونده قضایی"
    )
    assert CounsellingNote.objects.visible_to(admin).count() == 1  # not repeated
    # The manager sees who read and why.
    assert CounsellingNoteAccess.objects.visible_to(manager).count() == 2
    # Nobody but an administrator breaks the glass.
    with pytest.raises(ValidationError) as refused:
        services.counselling_notes_break_glass(
            booking=booking, user=manager, reason="می‌خواهم بخوانم چون مدیرم"
        )
    assert _codes(refused) == ["notes_not_allowed"]


def test_only_the_bookings_counsellor_records_it(isfahan, counsellor, manager):
    booking = book(isfahan)
    with pytest.raises(ValidationError) as early:
        services.counselling_session_record(booking=booking, attended=True, by=counsellor)
    assert _codes(early) == ["session_not_yet"]
    with pytest.raises(ValidationError) as other:
        held(booking, by=manager)
    assert _codes(other) == ["not_allowed"]


def test_notes_are_not_in_the_history_tables(isfahan, counsellor):
    booking = held(book(isfahan), by=counsellor, notes=SECRET)
    for history in booking.history.all():
        assert SECRET not in str(history.__dict__)
    assert not hasattr(CounsellingNote, "history")


# --- Referrals ---------------------------------------------------------------------------


def test_referral_to_a_cohort_makes_a_request_to_join(isfahan, counsellor):
    cohort = planned(isfahan, code="KHY-1", capacity=10)
    booking = held(book(isfahan), by=counsellor)
    referral = services.counselling_refer(
        booking=booking, kind="cohort", cohort=cohort, by=counsellor
    )
    interest = CohortInterest.objects.get()
    assert referral.interest == interest and interest.mobile == booking.mobile


def test_referral_to_a_partner_is_answered_by_its_officer(isfahan, counsellor):
    relief = PartnerFactory(name="کمیته امداد")
    other = PartnerFactory(name="بهزیستی")
    officer = staff_user("officer.r", "partner_officer", relief)
    stranger = staff_user("officer.o", "partner_officer", other)
    booking = held(book(isfahan), by=counsellor, notes=SECRET)
    referral = services.counselling_refer(
        booking=booking, kind="partner", partner=relief, request="معرفی برای وام", by=counsellor
    )
    assert list(CounsellingReferral.objects.visible_to(officer)) == [referral]
    assert not CounsellingReferral.objects.visible_to(stranger).exists()
    assert not CounsellingNote.objects.visible_to(officer).exists()
    with pytest.raises(ValidationError) as foreign:
        services.counselling_referral_answer(
            referral=referral, state="accepted", answer="x", by=stranger
        )
    assert _codes(foreign) == ["out_of_scope"]
    services.counselling_referral_answer(
        referral=referral, state="accepted", answer="پرونده تشکیل شد", by=officer
    )
    referral.refresh_from_db()
    assert referral.state == "accepted" and referral.answered_by == officer


def test_referral_before_the_session_is_refused(isfahan, counsellor):
    booking = book(isfahan)
    with pytest.raises(ValidationError) as refused:
        services.counselling_refer(booking=booking, kind="job", job="خیاطی", by=counsellor)
    assert _codes(refused) == ["not_attended"]


def test_referral_to_a_job_needs_the_job(isfahan, counsellor):
    booking = held(book(isfahan), by=counsellor)
    with pytest.raises(ValidationError) as refused:
        services.counselling_refer(booking=booking, kind="job", by=counsellor)
    assert _codes(refused) == ["required"]
    referral = services.counselling_refer(
        booking=booking, kind="job", job="کارگاه خیاطی", by=counsellor
    )
    assert referral.job == "کارگاه خیاطی"


def test_one_mobile_holds_at_most_two_bookings_ahead(isfahan, counsellor):
    slots = services.counselling_slots(centre=isfahan)
    book(isfahan, slot=slots[0])
    second = book(isfahan, slot=slots[1])
    with pytest.raises(ValidationError) as refused:
        book(isfahan, slot=slots[2])
    assert _codes(refused) == ["too_many_bookings"]
    services.counselling_cancel(booking=second)
    book(isfahan, slot=slots[2])


def test_booking_changelist_query_count_does_not_grow(
    client, isfahan, counsellor, manager, django_assert_max_num_queries
):
    slots = services.counselling_slots(centre=isfahan)
    for index, slot in enumerate(slots[:2]):
        book(isfahan, slot=slot, mobile=f"0912111000{index}")
    client.force_login(manager)
    url = reverse("admin:trainees_counsellingbooking_changelist")
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    for index, slot in enumerate(slots[2:8]):
        book(isfahan, slot=slot, mobile=f"0913111000{index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_taken_slot_is_hidden_whatever_order_the_hours_were_entered(isfahan, counsellor):
    """An afternoon availability entered before the morning one: the morning's booked slot
    is still hidden (the bookings are read from the earliest slot, not the first listed)."""
    CounsellorAvailability.objects.filter(counsellor=counsellor).delete()
    for start, end in (
        (datetime.time(14), datetime.time(16)),
        (datetime.time(9), datetime.time(11)),
    ):
        for weekday in range(7):
            CounsellorAvailability.objects.create(
                centre=isfahan,
                counsellor=counsellor,
                weekday=weekday,
                start_time=start,
                end_time=end,
                slot_minutes=60,
            )
    slots = services.counselling_slots(
        centre=isfahan, start=local_today() + datetime.timedelta(days=1), days=1
    )
    morning = min(slots, key=lambda s: s.starts_at)
    book(isfahan, slot=morning)
    again = services.counselling_slots(
        centre=isfahan, start=local_today() + datetime.timedelta(days=1), days=1
    )
    assert morning.key not in {s.key for s in again} and len(again) == len(slots) - 1
