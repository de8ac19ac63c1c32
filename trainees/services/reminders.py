"""SMS reminders the day before a session."""

import datetime
import logging

import jdatetime
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from empowerment.kernel.jalali import WEEKDAY_NAMES, format_jalali
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.outbox import message_queue
from empowerment.kernel.persian import to_persian_digits
from programs.models import Cohort, CohortSession

from ..models import (
    Enrolment,
    Trainee,
)

logger = logging.getLogger(__name__)


# --- Session reminders -------------------------------------------------------------------


def reminder_key(*, session_id: int, enrolment_id: int) -> str:
    return f"reminder:{session_id}:{enrolment_id}"


def session_reminder_text(*, session: CohortSession, trainee: Trainee) -> str:
    """The SMS, in Persian whatever language is active (a worker has no request)."""
    centre = session.cohort.centre
    start = to_persian_digits(f"{session.start_time.hour}:{session.start_time.minute:02d}")
    with translation.override("fa"):
        text = _(
            "%(name)s, your class %(programme)s is tomorrow, %(weekday)s %(date)s, at "
            "%(time)s at %(centre)s."
        ) % {
            "name": trainee.first_name,
            "programme": session.cohort.programme.title,
            "weekday": WEEKDAY_NAMES[session.date.weekday()],
            "date": format_jalali(session.date, persian_digits=True),
            "time": start,
            "centre": centre.name,
        }
        if centre.address:
            text += " " + _("Address: %(address)s") % {"address": centre.address}
    return text


def session_reminders_queue(*, on: datetime.date | jdatetime.date) -> int:
    """Queue the day-before SMS of every session on `on` to each trainee enrolled in it.

    Cancelled sessions, closed cohorts, and trainees dropped or still waiting for a seat
    get nothing. Each message has the key `reminder:<session>:<enrolment>`, so running this
    again (the next hourly run, a duplicated task) queues nothing twice. Returns the number
    of messages queued by this run.

    Not one transaction: each message is queued (and its send task handed to Celery) on
    its own, so that a failure half-way keeps what was queued and the next run goes on.
    """
    on = on if isinstance(on, jdatetime.date) else jdatetime.date.fromgregorian(date=on)
    sessions = list(
        CohortSession.objects.filter(
            date=on,
            cancelled_at__isnull=True,
            cohort__status__in=(Cohort.Status.PLANNED, Cohort.Status.RUNNING),
        ).select_related("cohort__programme", "cohort__centre")
    )
    if not sessions:
        return 0
    enrolments: dict[int, list[Enrolment]] = {}
    for enrolment in (
        Enrolment.objects.filter(
            cohort_id__in={s.cohort_id for s in sessions}, status=Enrolment.Status.ENROLLED
        )
        .exclude(trainee__mobile="")
        .select_related("trainee")
        .order_by("pk")
    ):
        enrolments.setdefault(enrolment.cohort_id, []).append(enrolment)
    wanted = {
        reminder_key(session_id=session.pk, enrolment_id=enrolment.pk): (session, enrolment)
        for session in sessions
        for enrolment in enrolments.get(session.cohort_id, [])
    }
    # Keys already in the outbox are skipped without a write; message_queue stays the guard
    # against a second run racing this one.
    done = set(OutboxMessage.objects.filter(key__in=list(wanted)).values_list("key", flat=True))
    queued = 0
    for key, (session, enrolment) in wanted.items():
        if key in done:
            continue
        try:
            message_queue(
                key=key,
                recipient=enrolment.trainee.mobile,
                channel=OutboxMessage.Channel.SMS,
                text=session_reminder_text(session=session, trainee=enrolment.trainee),
            )
        except ValidationError as error:
            # One unusable number must not hold back everyone else's reminder.
            logger.warning("reminder %s not queued: %s", key, error.messages)
            continue
        queued += 1
    return queued
