"""SMS reminders the day before a session: Persian text, Jalali date, the centre's name and
address; none for a cancelled session or a dropped trainee; once however often it runs."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from empowerment.kernel.jalali import to_jalali
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.sms import ConsoleSMSBackend
from empowerment.kernel.tasks import outbox_send
from programs.services.training import cohort_session_cancel, cohort_session_create
from tests.centres.factories import staff_user
from tests.trainees.factories import TraineeFactory
from trainees import services
from trainees.models import Enrolment
from trainees.tasks import session_reminders_task

pytestmark = pytest.mark.django_db(transaction=True)


def enrol(cohort, mobile, first_name="مریم"):
    trainee = TraineeFactory(registered_at=cohort.centre, mobile=mobile, first_name=first_name)
    return services.enrolment_create(trainee=trainee, cohort=cohort)


@pytest.fixture
def session(cohort, tomorrow):
    return cohort_session_create(
        cohort=cohort, date=to_jalali(tomorrow), start_time=datetime.time(9, 30), hours=3
    )


def test_each_enrolled_trainee_gets_one_persian_sms(cohort, session, tomorrow):
    maryam = enrol(cohort, "09131111111")
    enrol(cohort, "09132222222", first_name="زهرا")
    assert session_reminders_task.delay().get() == 2

    messages = OutboxMessage.objects.order_by("recipient")
    assert [m.key for m in messages] == [
        f"reminder:{session.pk}:{maryam.pk}",
        f"reminder:{session.pk}:{maryam.pk + 1}",
    ]
    assert {m.state for m in messages} == {OutboxMessage.State.SENT}
    sms = {s["to"]: s["text"] for s in ConsoleSMSBackend.outbox}
    text = sms["09131111111"]
    j = to_jalali(tomorrow)
    date = f"{j.year}/{j.month:02d}/{j.day:02d}".translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    )
    assert text.startswith("مریم")
    assert date in text and "۹:۳۰" in text  # the day and hour, in Persian digits
    assert "میناکاری" in text and "مرکز توانمندسازی حصه" in text
    assert "اصفهان، خیابان حصه، کوچه ۱۲" in text
    assert not any(ch in "0123456789" for ch in text)


def test_none_for_a_cancelled_session(cohort, session):
    enrol(cohort, "09131111111")
    cohort_session_cancel(session=session, reason="تعطیلی رسمی")
    assert session_reminders_task.delay().get() == 0
    assert not OutboxMessage.objects.exists() and ConsoleSMSBackend.outbox == []


def test_none_for_a_dropped_or_waiting_trainee(cohort, session):
    stays = enrol(cohort, "09131111111")
    leaves = enrol(cohort, "09132222222")
    services.enrolment_drop(enrolment=leaves, reason="نقل مکان")
    cohort.capacity = 1
    cohort.save()
    waiting = enrol(cohort, "09133333333")
    assert waiting.status == Enrolment.Status.WAITLISTED
    TraineeFactory(registered_at=cohort.centre, mobile="")  # not enrolled at all
    session_reminders_task.delay().get()
    assert list(OutboxMessage.objects.values_list("key", flat=True)) == [
        f"reminder:{session.pk}:{stays.pk}"
    ]


def test_none_for_other_days_or_a_closed_cohort(cohort, session, tomorrow):
    enrol(cohort, "09131111111")
    cohort_session_create(
        cohort=cohort,
        date=to_jalali(tomorrow + datetime.timedelta(days=1)),
        start_time=datetime.time(9, 30),
        hours=3,
    )
    cohort.status = cohort.Status.CANCELLED
    cohort.save()
    assert session_reminders_task.delay().get() == 0
    cohort.status = cohort.Status.RUNNING
    cohort.save()
    # Only tomorrow's session, not the one after.
    assert session_reminders_task.delay().get() == 1


def test_a_duplicated_delivery_sends_nothing_twice(cohort, session):
    enrol(cohort, "09131111111")
    enrol(cohort, "09132222222")
    assert session_reminders_task.delay().get() == 2
    # The same beat task delivered again, and each send task delivered again.
    assert session_reminders_task.delay().get() == 0
    for message in OutboxMessage.objects.all():
        assert outbox_send.delay(message.pk).get() == "sent"
    assert OutboxMessage.objects.count() == 2
    assert sorted(s["to"] for s in ConsoleSMSBackend.outbox) == ["09131111111", "09132222222"]
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def test_a_later_run_reminds_only_the_newly_enrolled(cohort, session):
    enrol(cohort, "09131111111")
    assert session_reminders_task.delay().get() == 1
    enrol(cohort, "09132222222")
    assert session_reminders_task.delay().get() == 1
    assert len(ConsoleSMSBackend.outbox) == 2


def test_a_manual_run_for_a_given_day(cohort, session, tomorrow):
    enrol(cohort, "09131111111")
    assert (
        session_reminders_task.delay(on=(tomorrow - datetime.timedelta(days=1)).isoformat()).get()
        == 0
    )
    assert session_reminders_task.delay(on=tomorrow.isoformat()).get() == 1


def test_cancelling_twice_is_refused(session):
    cohort_session_cancel(session=session)
    with pytest.raises(ValidationError):
        cohort_session_cancel(session=session)


def test_staff_cancel_a_session_in_the_admin(client, cohort, session, password):
    enrol(cohort, "09131111111")
    staff = staff_user("staff.hesseh", "centre_staff", cohort.centre)
    client.force_login(staff)
    changelist = reverse("admin:programs_cohortsession_changelist")
    response = client.post(
        changelist, {"action": "cancel_sessions", "_selected_action": [session.pk]}, follow=True
    )
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.is_cancelled
    assert session_reminders_task.delay().get() == 0


def test_another_centres_staff_cannot_cancel_it(client, session, two_centres):
    client.force_login(two_centres["staff_karaj"])
    client.post(
        reverse("admin:programs_cohortsession_changelist"),
        {"action": "cancel_sessions", "_selected_action": [session.pk]},
    )
    session.refresh_from_db()
    assert not session.is_cancelled


def test_a_cancelled_session_takes_no_attendance_and_counts_for_nobody(cohort, session):
    enrolment = enrol(cohort, "09131111111")
    held = cohort_session_create(
        cohort=cohort, date=cohort.start_date, start_time=datetime.time(9, 30), hours=3
    )
    services.attendance_record_session(session=held, marks={enrolment.pk: "present"})
    cohort_session_cancel(session=session)
    with pytest.raises(ValidationError):
        services.attendance_record_session(session=session, marks={enrolment.pk: "present"})
    services.cohort_complete(cohort=cohort)
    enrolment.refresh_from_db()
    assert enrolment.attendance_percent == 100
    assert enrolment.status == Enrolment.Status.CERTIFIED
