"""Counselling and job guidance at a centre: topics, counsellors' weekly availability and the
slots it makes, bookings of a slot, the session's record with its referrals, and the notes.

A slot is not a row: it is a start time that an availability makes (weekday, hours, slot
length), computed when asked (`services.counselling_slots`). A booking holds the counsellor
and the start; the database refuses a second active booking of the same counsellor and
start (`counsellingbooking_one_active_per_slot`), whatever the callers race.

The notes of a session are the most sensitive rows of the portal. They live in their own
table (`CounsellingNote`), sealed at rest (`empowerment.kernel.sealed`), without history,
and are read only by the counsellor who wrote them, the centre's manager, or an
administrator who recorded a reason first (`CounsellingNoteAccess`, shown to the manager).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from centres.models import Centre, Partner, StaffRole, TimeStamped
from centres.scope import ADMINISTRATOR, Scope, ScopedQuerySet, scope_for
from empowerment.kernel.fields import CodeField, PersianCharField, PersianTextField
from empowerment.kernel.jalali import WEEKDAY_NAMES
from empowerment.kernel.sealed import SealedTextField
from empowerment.kernel.validators import normalize_mobile, validate_mobile
from programs.models import Cohort

from .outcomes import Outcome
from .registry import PersonalDataQuerySet, Trainee
from .training import CohortInterest

__all__ = [
    "CounsellingTopic",
    "CounsellorAvailability",
    "CounsellingBooking",
    "CounsellingNote",
    "CounsellingNoteAccess",
    "CounsellingReferral",
]

_CENTRE_SCOPE = {
    "centre": "centre",
    "city": "centre__city",
    "province": "centre__city__province",
    "headquarters": "centre__headquarters",
}

# How long an administrator's recorded reason opens the notes of one booking.
NOTE_ACCESS_HOURS = 2


class TopicQuerySet(ScopedQuerySet):
    # A list of subjects, not about anyone: every member of staff reads it.
    def visible_to(self, user):
        return self.all()

    def active(self):
        return self.filter(is_active=True)


class CounsellingTopic(TimeStamped):
    """What a resident comes to talk about (job guidance, a home business, family, ...)."""

    name = PersianCharField(_("name"), max_length=120, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = models.Manager.from_queryset(TopicQuerySet)()

    class Meta:
        verbose_name = _("counselling topic")
        verbose_name_plural = _("counselling topics")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class AvailabilityQuerySet(ScopedQuerySet):
    scope_paths = {**_CENTRE_SCOPE, "self": "counsellor"}

    def active(self):
        return self.filter(is_active=True)


class CounsellorAvailability(TimeStamped):
    """A counsellor's weekly hours at a centre: every `weekday`, from `start_time` to
    `end_time`, in slots of `slot_minutes`."""

    WEEKDAYS = [(number, name) for number, name in enumerate(WEEKDAY_NAMES)]

    centre = models.ForeignKey(
        Centre,
        on_delete=models.PROTECT,
        related_name="counsellor_hours",
        verbose_name=_("centre"),
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="counselling_hours",
        verbose_name=_("counsellor"),
    )
    # jdatetime's weekday: 0 is Saturday (شنبه), 6 is Friday.
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=45)
    is_active = models.BooleanField(_("active"), default=True)

    objects = models.Manager.from_queryset(AvailabilityQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("counsellor's weekly hours")
        verbose_name_plural = _("counsellors' weekly hours")
        ordering = ["centre", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="counselloravailability_ends_after_start",
                violation_error_message=_("The hours end after they start."),
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=10, slot_minutes__lte=240),
                name="counselloravailability_slot_length",
                violation_error_message=_("A counselling time is from 10 minutes to 4 hours long."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.counsellor} · {self.get_weekday_display()} "
            f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        )

    def clean(self) -> None:
        errors = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = ValidationError(
                _("The hours must end after they start."), code="hours_order"
            )
        if self.slot_minutes is not None and not 10 <= self.slot_minutes <= 240:
            errors["slot_minutes"] = ValidationError(
                _("A slot lasts between 10 and 240 minutes."), code="slot_length"
            )
        if self.counsellor_id and self.centre_id:
            is_counsellor = StaffRole.objects.filter(
                user_id=self.counsellor_id,
                role=StaffRole.Role.COUNSELLOR,
                centre_id=self.centre_id,
                is_active=True,
            ).exists()
            if not is_counsellor:
                errors["counsellor"] = ValidationError(
                    _("This person is not a counsellor of this centre."), code="not_counsellor"
                )
        if errors:
            raise ValidationError(errors)

    def starts_on(self, day: datetime.date) -> list[datetime.time]:
        """The slots' start times on `day` (a Gregorian date on this weekday)."""
        start = datetime.datetime.combine(day, self.start_time)
        end = datetime.datetime.combine(day, self.end_time)
        step = datetime.timedelta(minutes=self.slot_minutes)
        times = []
        while start + step <= end:
            times.append(start.time())
            start += step
        return times


class BookingQuerySet(PersonalDataQuerySet):
    # The centre and its area; a counsellor's own bookings; a resident's own ("self" is
    # the counsellor or the resident: both are the user on the row).
    scope_paths = {**_CENTRE_SCOPE, "self": ("counsellor", "user")}

    def active(self):
        return self.exclude(status=CounsellingBooking.Status.CANCELLED)


class CounsellingBooking(TimeStamped):
    """One slot of one counsellor, booked for a resident (by the resident on the public
    page, confirmed by an SMS code, or by staff for a walk-in)."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="counselling", verbose_name=_("centre")
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="counselling_bookings",
        verbose_name=_("counsellor"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    topic = models.ForeignKey(
        CounsellingTopic, on_delete=models.PROTECT, related_name="+", verbose_name=_("topic")
    )
    trainee = models.ForeignKey(
        Trainee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counselling_bookings",
        verbose_name=_("trainee"),
    )
    name = PersianCharField(_("name"), max_length=200)
    mobile = CodeField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="counselling_booked",
        verbose_name=_("resident's account"),
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by staff"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.BOOKED
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("session recorded at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    tracking_number = models.CharField(
        _("tracking number"), max_length=10, unique=True, null=True, blank=True, editable=False
    )

    objects = models.Manager.from_queryset(BookingQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("counselling booking")
        verbose_name_plural = _("counselling bookings")
        ordering = ["-starts_at"]
        constraints = [
            # A slot is booked at most once: two residents confirming their codes at the same
            # moment both reach the insert, and the database keeps one (the other is told
            # the slot was just taken). A cancelled booking frees its slot.
            models.UniqueConstraint(
                fields=["counsellor", "starts_at"],
                condition=~Q(status="cancelled"),
                name="counsellingbooking_one_active_per_slot",
                violation_error_message=_(
                    "This counselling time has just been booked; choose another."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="counsellingbooking_ends_after_start",
                violation_error_message=_("A counselling time ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        self.mobile = normalize_mobile(self.mobile or "")
        if not self.mobile and not self.trainee_id:
            raise ValidationError(
                {"mobile": ValidationError(_("A mobile or a trainee is needed."), code="required")}
            )


class NoteQuerySet(ScopedQuerySet):
    """Not the scope of the centre: the notes' own rule (module docstring). A national
    headquarters role is global for every other table, never for this one."""

    holds_personal_data = True

    def visible_to(self, user):
        scope = user if isinstance(user, Scope) else scope_for(user)
        condition = self.read_condition(scope)
        return self.none() if condition is None else self.filter(condition)

    @staticmethod
    def read_condition(scope: Scope) -> Q | None:
        if not scope.user_id:
            return None
        condition = Q(author_id=scope.user_id)
        managed = scope.role_ids("centre", roles={StaffRole.Role.CENTRE_MANAGER})
        if managed:
            condition |= Q(booking__centre_id__in=managed)
        if ADMINISTRATOR in scope.roles:
            # A subquery, not a join: two readings of one booking must not repeat its note.
            opened = CounsellingNoteAccess.objects.filter(
                user_id=scope.user_id, created_at__gte=_access_since()
            ).values("booking_id")
            condition |= Q(booking_id__in=opened)
        return condition


def _access_since() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=NOTE_ACCESS_HOURS)


class CounsellingNote(TimeStamped):
    """What the counsellor wrote about a session: sealed, without history."""

    booking = models.OneToOneField(
        CounsellingBooking,
        on_delete=models.CASCADE,
        related_name="note",
        verbose_name=_("booking"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    text = SealedTextField(_("notes"), blank=True)

    objects = models.Manager.from_queryset(NoteQuerySet)()

    class Meta:
        verbose_name = _("counselling note")
        verbose_name_plural = _("counselling notes")
        default_permissions = ()

    def __str__(self) -> str:
        return str(_("Notes of %(booking)s")) % {"booking": self.booking_id}


class NoteAccessQuerySet(ScopedQuerySet):
    # The centre's manager sees who opened its notes, and why; an administrator sees all.
    scope_paths = {"centre": "booking__centre", "self": "user"}


class CounsellingNoteAccess(models.Model):
    """An administrator's break-glass: the reason they recorded before reading the notes
    of one booking. Never changed or deleted; shown to the centre's manager."""

    booking = models.ForeignKey(
        CounsellingBooking,
        on_delete=models.CASCADE,
        related_name="note_accesses",
        verbose_name=_("booking"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("read by"),
    )
    reason = PersianTextField(_("reason"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = models.Manager.from_queryset(NoteAccessQuerySet)()

    class Meta:
        verbose_name = _("reading of counselling notes")
        verbose_name_plural = _("readings of counselling notes")
        ordering = ["-created_at"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class ReferralQuerySet(PersonalDataQuerySet):
    # The booking's centre and its area, and the partner the referral was sent to.
    scope_paths = {
        "centre": "booking__centre",
        "city": "booking__centre__city",
        "province": "booking__centre__city__province",
        "headquarters": "booking__centre__headquarters",
        "partner": "partner",
    }


class CounsellingReferral(TimeStamped):
    """Where the counsellor sent the resident: a cohort (a request to join made on their
    behalf), a partner organisation (whose officer answers here), or a job."""

    class Kind(models.TextChoices):
        COHORT = "cohort", _("A cohort")
        PARTNER = "partner", _("A partner organisation")
        JOB = "job", _("A job")

    class State(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        DONE = "done", _("Done")

    booking = models.ForeignKey(
        CounsellingBooking,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("booking"),
    )
    kind = models.CharField(_("referred to"), max_length=10, choices=Kind.choices)
    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("cohort")
    )
    interest = models.ForeignKey(
        CohortInterest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request to join"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counselling_referrals",
        verbose_name=_("partner organisation"),
    )
    job = PersianCharField(_("job"), max_length=200, blank=True)
    outcome = models.ForeignKey(
        Outcome,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outcome"),
    )
    # What the partner or employer needs to know: never the session's notes.
    request = PersianTextField(_("what is asked"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="sent")
    answer = PersianTextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    objects = models.Manager.from_queryset(ReferralQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("counselling referral")
        verbose_name_plural = _("counselling referrals")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="cohort", cohort__isnull=False, partner=None)
                    | Q(kind="partner", partner__isnull=False, cohort=None)
                    | Q(kind="job", cohort=None, partner=None)
                ),
                name="counsellingreferral_target_matches_kind",
                violation_error_message=_(
                    "A referral names what it refers to: a cohort, a partner organisation or "
                    "a job, as its kind says."
                ),
            ),
        ]

    def __str__(self) -> str:
        target = self.cohort or self.partner or self.job
        return f"{self.get_kind_display()}: {target}"
