"""Counselling and job guidance: slots, bookings, cancelling, reminders, the session's
record, its notes and referrals (the rules: trainees/models/counselling.py)."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centres.models import Centre, Partner, StaffRole
from centres.scope import ADMINISTRATOR, scope_for
from empowerment.kernel import errors, tracking
from empowerment.kernel.jalali import TEHRAN, WEEKDAY_NAMES, format_jalali, local_today
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.outbox import message_queue
from empowerment.kernel.persian import normalize_text, to_persian_digits
from empowerment.kernel.validators import normalize_mobile
from programs.models import Cohort

from ..models import (
    CounsellingBooking,
    CounsellingNote,
    CounsellingNoteAccess,
    CounsellingReferral,
    CounsellingTopic,
    CounsellorAvailability,
    Outcome,
    Trainee,
)
from .interest import cohort_interest_register

logger = logging.getLogger(__name__)

# How far ahead residents may book.
BOOKING_DAYS_AHEAD = 14
# Bookings ahead one mobile may hold at one centre: nobody takes the whole week's slots.
BOOKINGS_AHEAD_PER_MOBILE = 2
CANCEL_SALT = "counselling.cancel"


class SlotTaken(errors.Conflict):
    """Someone booked this slot a moment ago (or it is already booked)."""

    code = "slot_taken"
    default_message = gettext_lazy(
        "This time was just booked by someone else. Please choose another."
    )


class SlotUnknown(errors.Invalid):
    """The time is not one of the counsellor's slots (past, too far ahead, or made up)."""

    code = "slot_unknown"
    default_message = gettext_lazy("This time is not one of the counsellor's free times.")


class BookingClosed(errors.Conflict):
    """The booking is no longer booked (cancelled, or its session recorded)."""

    code = "booking_closed"
    default_message = gettext_lazy("This booking is no longer open: it was cancelled or held.")


class TooManyBookings(errors.Conflict):
    """The mobile already holds the most bookings ahead one person may hold at a centre."""

    code = "too_many_bookings"
    default_message = gettext_lazy(
        "This mobile already has counselling times booked at this centre. Cancel one to "
        "book another."
    )


class NotesClosed(errors.NotAllowed):
    """The caller may not read or write these notes."""

    code = "notes_not_allowed"
    default_message = gettext_lazy(
        "Only the counsellor who wrote these notes and the centre's manager may read them."
    )


# --- Slots -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    counsellor_id: int
    counsellor_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    @property
    def key(self) -> str:
        """The slot as a form's value: "<counsellor id>@<start, ISO>"."""
        return f"{self.counsellor_id}@{self.starts_at.isoformat()}"

    @property
    def label(self) -> str:
        return f"{when_label(self.starts_at)} — {self.counsellor_name}"


def when_label(moment: datetime.datetime) -> str:
    """A slot's time as residents read it: weekday, Jalali date and hour, Persian digits."""
    local = moment.astimezone(TEHRAN)
    day = format_jalali(local.date(), persian_digits=True)
    weekday = WEEKDAY_NAMES[(local.weekday() + 2) % 7]
    hour = to_persian_digits(f"{local:%H:%M}")
    return f"{weekday} {day} ساعت {hour}"


def _counsellor_name(user) -> str:
    return user.get_full_name() or user.get_username()


def counselling_slots(
    *,
    centre: Centre,
    start: datetime.date | None = None,
    days: int = BOOKING_DAYS_AHEAD,
    free_only: bool = True,
    counsellor=None,
) -> list[Slot]:
    """The centre's slots from `start` (Tehran's today) for `days` days, in time order:
    only those still ahead and, by default, not booked (two queries)."""
    start = start or local_today()
    hours = list(
        CounsellorAvailability.objects.active()
        .filter(
            centre=centre,
            counsellor__is_active=True,
            counsellor__staff_roles__role=StaffRole.Role.COUNSELLOR,
            counsellor__staff_roles__centre=centre,
            counsellor__staff_roles__is_active=True,
        )
        .select_related("counsellor")
        .distinct()
    )
    if counsellor is not None:
        hours = [h for h in hours if h.counsellor_id == counsellor.pk]
    now = timezone.now()
    slots: list[Slot] = []
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        weekday = (day.weekday() + 2) % 7  # Python's Monday 0 → jdatetime's Saturday 0
        for h in hours:
            if h.weekday != weekday:
                continue
            for time in h.starts_on(day):
                begins = datetime.datetime.combine(day, time, tzinfo=TEHRAN)
                if begins <= now:
                    continue
                slots.append(
                    Slot(
                        counsellor_id=h.counsellor_id,
                        counsellor_name=_counsellor_name(h.counsellor),
                        starts_at=begins,
                        ends_at=begins + datetime.timedelta(minutes=h.slot_minutes),
                    )
                )
    if free_only and slots:
        taken = set(
            CounsellingBooking.objects.active()
            .filter(
                counsellor_id__in={s.counsellor_id for s in slots},
                starts_at__gte=min(s.starts_at for s in slots),
            )
            .values_list("counsellor_id", "starts_at")
        )
        slots = [s for s in slots if (s.counsellor_id, s.starts_at) not in taken]
    return sorted(slots, key=lambda s: (s.starts_at, s.counsellor_name))


def counselling_slot_find(*, centre: Centre, key: str) -> Slot:
    """The slot a form sent (`Slot.key`); SlotUnknown when it is not one of the centre's
    slots ahead (a forged or stale value). Does not say whether it is free."""
    counsellor_id, _sep, when = (key or "").partition("@")
    try:
        starts_at = datetime.datetime.fromisoformat(when)
        counsellor_id = int(counsellor_id)
    except ValueError as error:
        raise SlotUnknown(field="slot") from error
    if starts_at.tzinfo is None:
        raise SlotUnknown(field="slot")
    day = starts_at.astimezone(TEHRAN).date()
    if not local_today() <= day < local_today() + datetime.timedelta(days=BOOKING_DAYS_AHEAD):
        raise SlotUnknown(field="slot")
    counsellor = get_user_model().objects.filter(pk=counsellor_id).first()
    if counsellor is None:
        raise SlotUnknown(field="slot")
    for slot in counselling_slots(
        centre=centre, start=day, days=1, free_only=False, counsellor=counsellor
    ):
        if slot.starts_at == starts_at:
            return slot
    raise SlotUnknown(field="slot")


# --- Booking -----------------------------------------------------------------------------


def counselling_booking_validate(
    *,
    centre: Centre,
    slot_key: str,
    topic: CounsellingTopic,
    name: str = "",
    mobile: str = "",
    trainee: Trainee | None = None,
) -> CounsellingBooking:
    """The booking as it would be stored, checked but not written (the public form calls
    this before it sends an SMS code)."""
    slot = counselling_slot_find(centre=centre, key=slot_key)
    if not topic.is_active:
        raise errors.Invalid(_("This topic is no longer offered."), field="topic")
    booking = CounsellingBooking(
        centre=centre,
        counsellor_id=slot.counsellor_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        topic=topic,
        trainee=trainee,
        name=normalize_text(name) or (trainee.full_name if trainee else ""),
        mobile=normalize_mobile(mobile or (trainee.mobile if trainee else "")),
    )
    booking.full_clean(
        exclude=["user", "booked_by", "counsellor"],
        validate_unique=False,
        validate_constraints=False,
    )
    if (
        CounsellingBooking.objects.active()
        .filter(counsellor_id=slot.counsellor_id, starts_at=slot.starts_at)
        .exists()
    ):
        raise SlotTaken(field="slot")
    return booking


def counselling_book(
    *,
    centre: Centre,
    slot_key: str,
    topic: CounsellingTopic,
    name: str = "",
    mobile: str = "",
    trainee: Trainee | None = None,
    user=None,
    booked_by=None,
) -> CounsellingBooking:
    """Book a slot: a resident after their SMS code (`user` their account), or staff for a
    walk-in (`booked_by`). Raises SlotTaken when the slot is (or just got) booked."""
    booking = counselling_booking_validate(
        centre=centre, slot_key=slot_key, topic=topic, name=name, mobile=mobile, trainee=trainee
    )
    # Checked here, after the SMS code, not in validate(): before the code it would tell
    # anyone typing a number whether its owner booked.
    if booking.mobile and (
        CounsellingBooking.objects.filter(
            centre=centre,
            mobile=booking.mobile,
            status=CounsellingBooking.Status.BOOKED,
            starts_at__gt=timezone.now(),
        ).count()
        >= BOOKINGS_AHEAD_PER_MOBILE
    ):
        raise TooManyBookings()
    booking.user = user
    booking.booked_by = booked_by
    booking.tracking_number = tracking.tracking_number_new(
        tracking.BOOKING,
        taken=lambda number: CounsellingBooking.objects.filter(tracking_number=number).exists(),
    )
    try:
        # The unique index is the arbiter between two bookings of one slot at one moment:
        # the check in validate() cannot see an insert not yet committed. The savepoint
        # keeps a caller's transaction usable after the refusal.
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:
        if "counsellingbooking_one_active_per_slot" in str(error):
            raise SlotTaken(field="slot") from error
        raise
    return booking


def booking_cancel_token(booking: CounsellingBooking) -> str:
    """The signed value of the cancel link sent to the resident."""
    return signing.dumps({"b": booking.pk, "n": booking.tracking_number}, salt=CANCEL_SALT)


def booking_from_cancel_token(token: str) -> CounsellingBooking | None:
    try:
        value = signing.loads(token, salt=CANCEL_SALT, max_age=60 * 60 * 24 * 60)
    except signing.BadSignature:
        return None
    return CounsellingBooking.objects.filter(
        pk=value.get("b"), tracking_number=value.get("n")
    ).first()


@transaction.atomic
def counselling_cancel(*, booking: CounsellingBooking, by=None) -> CounsellingBooking:
    """Cancel a booking that is still booked (its slot is free again). Cancelling twice
    changes nothing; a held session cannot be cancelled."""
    booking = CounsellingBooking.objects.select_for_update().get(pk=booking.pk)
    if booking.status == CounsellingBooking.Status.CANCELLED:
        return booking
    if booking.status != CounsellingBooking.Status.BOOKED:
        raise BookingClosed()
    booking.status = CounsellingBooking.Status.CANCELLED
    booking.cancelled_at = timezone.now()
    booking._history_user = by
    booking.save(update_fields=["status", "cancelled_at", "updated_at"])
    return booking


# --- SMS ---------------------------------------------------------------------------------


def _when(booking: CounsellingBooking) -> str:
    return when_label(booking.starts_at)


def booking_receipt_queue(*, booking: CounsellingBooking, cancel_url: str) -> None:
    """The SMS with the tracking number and the cancel link (once per booking)."""
    if not booking.mobile:
        return
    with translation.override("fa"):
        text = _(
            "Counselling at %(centre)s, %(when)s. Tracking number: %(number)s. To cancel: %(url)s"
        ) % {
            "centre": booking.centre.name,
            "when": _when(booking),
            "number": to_persian_digits(booking.tracking_number or ""),
            "url": cancel_url,
        }
    message_queue(
        key=f"counselling-receipt:{booking.pk}",
        recipient=booking.mobile,
        channel=OutboxMessage.Channel.SMS,
        text=text,
        # The cancel link acts for the resident: hidden in the admin, blanked once sent.
        sensitive=True,
    )


def counselling_reminders_queue(*, on: datetime.date) -> int:
    """Queue the day-before SMS of every booking still booked on `on` (a Tehran date).
    Keyed per booking in the outbox, so running again queues nothing twice."""
    begin = datetime.datetime.combine(on, datetime.time.min, tzinfo=TEHRAN)
    bookings = (
        CounsellingBooking.objects.filter(
            status=CounsellingBooking.Status.BOOKED,
            starts_at__gte=begin,
            starts_at__lt=begin + datetime.timedelta(days=1),
        )
        .exclude(mobile="")
        .select_related("centre")
        .order_by("starts_at")
    )
    queued = 0
    for booking in bookings:
        with translation.override("fa"):
            text = _("Reminder: your counselling at %(centre)s is tomorrow, %(when)s.") % {
                "centre": booking.centre.name,
                "when": _when(booking),
            }
            if booking.centre.address:
                text += " " + _("Address: %(address)s") % {"address": booking.centre.address}
        try:
            message = message_queue(
                key=f"counselling-reminder:{booking.pk}",
                recipient=booking.mobile,
                channel=OutboxMessage.Channel.SMS,
                text=text,
            )
        except ValidationError as error:
            logger.warning("counselling reminder %s not queued: %s", booking.pk, error.messages)
            continue
        if booking.reminded_at is None:
            CounsellingBooking.objects.filter(pk=booking.pk).update(reminded_at=message.created_at)
            queued += 1
    return queued


# --- The session -------------------------------------------------------------------------


def _is_counsellor_of(user, booking: CounsellingBooking) -> bool:
    return booking.counsellor_id == user.pk


def _manages(user, booking: CounsellingBooking) -> bool:
    return booking.centre_id in scope_for(user).role_ids(
        "centre", roles={StaffRole.Role.CENTRE_MANAGER}
    )


@transaction.atomic
def counselling_session_record(
    *, booking: CounsellingBooking, attended: bool, notes: str = "", by
) -> CounsellingBooking:
    """The counsellor records the session: held or not, and their notes (sealed). Only the
    booking's counsellor records it; recording again corrects it."""
    booking = CounsellingBooking.objects.select_for_update().get(pk=booking.pk)
    if not _is_counsellor_of(by, booking):
        raise errors.NotAllowed(_("Only the booking's counsellor records its session."))
    if booking.status == CounsellingBooking.Status.CANCELLED:
        raise BookingClosed()
    if booking.starts_at > timezone.now():
        raise errors.Invalid(
            _("A session is recorded once its time has come."), code="session_not_yet"
        )
    booking.status = (
        CounsellingBooking.Status.ATTENDED if attended else CounsellingBooking.Status.NO_SHOW
    )
    booking.recorded_at = timezone.now()
    booking._history_user = by
    booking.save(update_fields=["status", "recorded_at", "updated_at"])
    notes = (notes or "").strip()
    if notes:
        note = CounsellingNote.objects.filter(booking=booking).first()
        if note is not None and note.author_id != by.pk:
            raise NotesClosed()
        if note is None:
            note = CounsellingNote(booking=booking, author=by)
        note.text = notes
        note.save()
    return booking


def counselling_notes_read(*, booking: CounsellingBooking, user) -> str:
    """The notes of a booking for `user`, or NotesClosed. An administrator must have
    recorded a reason first (`counselling_notes_break_glass`)."""
    note = CounsellingNote.objects.visible_to(user).filter(booking=booking).first()
    if note is None:
        if not CounsellingNote.objects.filter(booking=booking).exists():
            return ""
        raise NotesClosed()
    return note.text


@transaction.atomic
def counselling_notes_break_glass(
    *, booking: CounsellingBooking, user, reason: str
) -> CounsellingNoteAccess:
    """An administrator records why they must read a booking's notes; the record opens
    them for a while and is shown to the centre's manager."""
    if ADMINISTRATOR not in scope_for(user).roles:
        raise NotesClosed()
    reason = normalize_text(reason or "")
    if len(reason) < 10:
        raise errors.Invalid(
            _("Write the reason for reading these notes (at least ten characters)."),
            field="reason",
            code="reason_required",
        )
    access = CounsellingNoteAccess.objects.create(booking=booking, user=user, reason=reason)
    logger.warning("counselling notes of booking %s opened by user %s", booking.pk, user.pk)
    return access


# --- Referrals ---------------------------------------------------------------------------


@transaction.atomic
def counselling_refer(
    *,
    booking: CounsellingBooking,
    kind: str,
    by,
    cohort: Cohort | None = None,
    partner: Partner | None = None,
    job: str = "",
    outcome: Outcome | None = None,
    request: str = "",
) -> CounsellingReferral:
    """Refer the resident after their session: to a cohort (a request to join is made on
    their behalf), a partner organisation (its officer answers), or a job."""
    booking = CounsellingBooking.objects.select_for_update().get(pk=booking.pk)
    if not _is_counsellor_of(by, booking) and not _manages(by, booking):
        raise errors.NotAllowed(_("Only the booking's counsellor or the centre's manager refers."))
    if booking.status != CounsellingBooking.Status.ATTENDED:
        raise errors.Invalid(
            _("Refer a resident after recording that they came."), code="not_attended"
        )
    referral = CounsellingReferral(
        booking=booking, kind=kind, request=normalize_text(request or "")
    )
    K = CounsellingReferral.Kind
    if kind == K.COHORT:
        if cohort is None:
            raise errors.Invalid(_("Choose the cohort."), field="cohort", code="required")
        interest, _created = cohort_interest_register(
            cohort=cohort,
            name=booking.name,
            mobile=booking.mobile or (booking.trainee.mobile if booking.trainee else ""),
            user=booking.user,
        )
        referral.cohort, referral.interest = cohort, interest
    elif kind == K.PARTNER:
        if partner is None:
            raise errors.Invalid(
                _("Choose the partner organisation."), field="partner", code="required"
            )
        referral.partner = partner
    elif kind == K.JOB:
        referral.job = normalize_text(job or "")
        referral.outcome = outcome
        if not referral.job and outcome is None:
            raise errors.Invalid(_("Name the job."), field="job", code="required")
    else:
        raise errors.Invalid(_("Unknown kind of referral."), field="kind")
    referral._history_user = by
    referral.full_clean()
    referral.save()
    return referral


@transaction.atomic
def counselling_referral_answer(
    *, referral: CounsellingReferral, state: str, answer: str = "", by
) -> CounsellingReferral:
    """The partner's officer (or the centre) answers a referral."""
    if state not in CounsellingReferral.State.values or state == CounsellingReferral.State.SENT:
        raise errors.Invalid(_("Choose an answer."), field="state")
    scope = scope_for(by)
    visible = CounsellingReferral.objects.visible_to(scope).filter(pk=referral.pk).exists()
    if not visible:
        raise errors.OutOfScope()
    referral = CounsellingReferral.objects.select_for_update().get(pk=referral.pk)
    referral.state = state
    referral.answer = normalize_text(answer or "")
    referral.answered_at = timezone.now()
    referral.answered_by = by
    referral._history_user = by
    referral.save()
    return referral
