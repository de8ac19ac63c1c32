"""Meetings of headquarters and centres, their resolutions, and public commitments."""

import datetime

import jdatetime
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from empowerment.kernel.fields import PersianCharField, PersianTextField
from empowerment.kernel.jalali import local_today

from ..scope import ScopedQuerySet
from .geography import Neighbourhood, TimeStamped
from .news import ModeratedComment
from .organisations import Centre, Headquarters, Partner

# --- Meetings, resolutions and commitments -----------------------------------------------
#
# A meeting belongs to one body: a headquarters or a centre. Its resolutions are assigned to
# partner organisations and followed up until done; public commitments to a neighbourhood are
# tracked the same way. "Overdue" is never stored: it is derived from the deadline, the status
# and Tehran's date of today (`local_today`).


def _body_paths(prefix: str = "") -> dict[str, tuple[str, ...]]:
    """Scope paths to a meeting's body (an HQ or a centre), from a row `prefix` away."""
    return {
        "headquarters": (f"{prefix}headquarters", f"{prefix}headquarters__parent"),
        "centre": (f"{prefix}centre", f"{prefix}headquarters__centre"),
        "city": (f"{prefix}centre__city", f"{prefix}headquarters__city"),
        "province": (f"{prefix}centre__city__province", f"{prefix}headquarters__province"),
    }


class TrackedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses in which a passed deadline makes a row overdue.
PENDING_STATUSES = (TrackedStatus.OPEN, TrackedStatus.IN_PROGRESS)


class DeadlineQuerySetMixin:
    """`overdue()` and `with_overdue()` for rows with a deadline and a tracked status.

    A row is overdue from the day after its deadline while it is still open or in progress;
    on the deadline's own day it is not yet overdue.
    """

    deadline_field = "deadline"

    def _overdue_q(self, today: datetime.date | None) -> Q:
        today = today or local_today()
        return Q(**{f"{self.deadline_field}__lt": today, "status__in": PENDING_STATUSES})

    def overdue(self, today: datetime.date | None = None):
        return self.filter(self._overdue_q(today))

    def not_overdue(self, today: datetime.date | None = None):
        return self.exclude(self._overdue_q(today))

    def with_overdue(self, today: datetime.date | None = None):
        return self.annotate(
            overdue_flag=models.Case(
                models.When(self._overdue_q(today), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )


class DeadlineMixin:
    """Single-row view of the same rule, for pages that show one row."""

    deadline_field = "deadline"

    def _deadline_gregorian(self) -> datetime.date | None:
        value = getattr(self, self.deadline_field)
        if value is None:
            return None
        return value.togregorian() if isinstance(value, jdatetime.date) else value

    def days_overdue(self, today: datetime.date | None = None) -> int:
        deadline = self._deadline_gregorian()
        if deadline is None or self.status not in PENDING_STATUSES:
            return 0
        return max(((today or local_today()) - deadline).days, 0)

    def is_overdue_on(self, today: datetime.date | None = None) -> bool:
        return self.days_overdue(today) > 0

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on()


class MeetingQuerySet(ScopedQuerySet):
    scope_paths = {
        **_body_paths(),
        # A partner officer reads the meetings that gave their organisation a resolution.
        "partner": ("resolutions__responsible", "resolutions__cooperating"),
    }

    def opportunity_finding(self):
        return self.filter(kind=Meeting.Kind.OPPORTUNITY_FINDING)


class Meeting(TimeStamped):
    """A numbered meeting of a headquarters or a centre (the Social HQ of Alborz's 73rd)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular")
        OPPORTUNITY_FINDING = "opportunity", _("Opportunity finding")
        THINK_TANK = "think_tank", _("Neighbourhood think-tank")

    headquarters = models.ForeignKey(
        Headquarters,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("headquarters"),
    )
    centre = models.ForeignKey(
        Centre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("centre"),
    )
    number = models.PositiveIntegerField(
        _("number"), blank=True, help_text=_("Left empty, the next number of the body is given.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    date = jmodels.jDateField(_("date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    venue = PersianCharField(_("venue"), max_length=200, blank=True)
    chair = PersianCharField(_("chair"), max_length=200, blank=True)
    duration_hours = models.DecimalField(
        _("duration (hours)"),
        max_digits=5,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
    )
    minutes = PersianTextField(_("minutes"), blank=True)

    objects = models.Manager.from_queryset(MeetingQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(headquarters__isnull=False, centre=None)
                | Q(headquarters=None, centre__isnull=False),
                name="meeting_exactly_one_body",
                violation_error_message=_(
                    "A meeting is held by a headquarters or by a centre: choose one of them."
                ),
            ),
            models.UniqueConstraint(
                fields=["headquarters", "number"],
                condition=Q(headquarters__isnull=False),
                name="meeting_number_unique_in_headquarters",
                violation_error_message=_(
                    "This headquarters already has a meeting with this number."
                ),
            ),
            models.UniqueConstraint(
                fields=["centre", "number"],
                condition=Q(centre__isnull=False),
                name="meeting_number_unique_in_centre",
                violation_error_message=_("This centre already has a meeting with this number."),
            ),
            models.CheckConstraint(
                condition=Q(duration_hours__gte=0),
                name="meeting_duration_not_negative",
                violation_error_message=_("The duration of a meeting cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return _("Meeting %(number)s of %(body)s") % {"number": self.number, "body": self.body}

    @property
    def body(self):
        return self.headquarters or self.centre

    def clean(self) -> None:
        if bool(self.headquarters_id) == bool(self.centre_id):
            raise ValidationError(
                _("A meeting belongs to exactly one body: choose a headquarters or a centre.")
            )


class MeetingScopedQuerySet(ScopedQuerySet):
    scope_paths = {
        **_body_paths("meeting__"),
        "partner": ("meeting__resolutions__responsible", "meeting__resolutions__cooperating"),
    }


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("meeting")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = PersianCharField(_("title"), max_length=300)
    notes = PersianTextField(_("notes"), blank=True)

    objects = models.Manager.from_queryset(MeetingScopedQuerySet)()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class MeetingAttendee(models.Model):
    """Who was present: a person (by name or by position, such as «استاندار») and/or the
    partner organisation they came for."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendees", verbose_name=_("meeting")
    )
    name = PersianCharField(_("name"), max_length=200, blank=True)
    position = PersianCharField(_("position"), max_length=200, blank=True)
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_attendances",
        verbose_name=_("partner organisation"),
    )

    objects = models.Manager.from_queryset(MeetingScopedQuerySet)()

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name="") | ~Q(position="") | Q(partner__isnull=False),
                name="attendee_is_a_person_or_a_partner",
                violation_error_message=_(
                    "Name the attendee, their position or their organisation."
                ),
            )
        ]

    def __str__(self) -> str:
        parts = [p for p in (self.name, self.position, str(self.partner or "")) if p]
        return "، ".join(parts)

    def clean(self) -> None:
        if not self.name and not self.position and not self.partner_id:
            raise ValidationError(_("Name the attendee or choose their organisation."))


class ResolutionQuerySet(DeadlineQuerySetMixin, ScopedQuerySet):
    scope_paths = {
        **_body_paths("meeting__"),
        # Partner officers see only what is assigned to their organisation.
        "partner": ("responsible", "cooperating"),
    }


class Resolution(DeadlineMixin, TimeStamped):
    """A decision (مصوبه) of a meeting, numbered within it: 73-1, 73-2, ..."""

    Status = TrackedStatus

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="resolutions", verbose_name=_("meeting")
    )
    number = models.PositiveSmallIntegerField(
        _("number in the meeting"), blank=True, help_text=_("Left empty, the next number is given.")
    )
    text = PersianTextField(_("text"))
    responsible = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="resolutions",
        verbose_name=_("responsible organisation"),
    )
    cooperating = models.ManyToManyField(
        Partner,
        blank=True,
        related_name="cooperating_resolutions",
        verbose_name=_("co-operating organisations"),
    )
    deadline = jmodels.jDateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TrackedStatus.choices, default=TrackedStatus.OPEN
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("The latest follow-up's percentage."),
    )
    completed_on = jmodels.jDateField(_("completed on"), null=True, blank=True)
    # Private unless the body's secretary publishes it on the public accountability pages
    # (`resolution_publish`); its follow-up notes are never published.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    objects = models.Manager.from_queryset(ResolutionQuerySet)()
    history = HistoricalRecords(m2m_fields=[cooperating])

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["-meeting__date", "meeting__number", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"], name="resolution_number_unique_in_meeting"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="resolution_progress_at_most_100",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            ),
        ]

    def __str__(self) -> str:
        return _("Resolution %(code)s") % {"code": self.code}

    @property
    def code(self) -> str:
        return f"{self.meeting.number}-{self.number}" if self.meeting_id else f"-{self.number}"


class ResolutionFollowUpQuerySet(ScopedQuerySet):
    scope_paths = {
        **_body_paths("resolution__meeting__"),
        "partner": ("resolution__responsible", "resolution__cooperating"),
    }


class ResolutionFollowUp(models.Model):
    """A dated progress report on a resolution: a percentage and a note."""

    resolution = models.ForeignKey(
        Resolution,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("resolution"),
    )
    reported_on = jmodels.jDateField(_("reported on"))
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MaxValueValidator(100)]
    )
    note = PersianTextField(_("note"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="resolution_follow_ups",
        verbose_name=_("reported by"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolution_follow_ups",
        verbose_name=_("on behalf of"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = models.Manager.from_queryset(ResolutionFollowUpQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up report")
        verbose_name_plural = _("follow-up reports")
        ordering = ["resolution", "reported_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="followup_progress_at_most_100",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resolution} · {self.progress}%"


class CommitmentQuerySet(DeadlineQuerySetMixin, ScopedQuerySet):
    deadline_field = "due_date"
    scope_paths = {
        "headquarters": ("headquarters", "headquarters__parent"),
        "centre": ("neighbourhood__centres", "neighbourhood__district__centres"),
        "city": "neighbourhood__district__city",
        "province": "neighbourhood__district__city__province",
        "partner": "promiser_partner",
    }


class Commitment(DeadlineMixin, TimeStamped):
    """A public promise to a neighbourhood (asphalt for Hesseh's streets by 1401-01-01)."""

    Status = TrackedStatus
    deadline_field = "due_date"

    title = PersianCharField(_("what was promised"), max_length=300)
    description = PersianTextField(_("description"), blank=True)
    promised_by = PersianCharField(_("who promised"), max_length=200)
    promiser_partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("organisation that promised"),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("neighbourhood"),
    )
    location = PersianCharField(_("where"), max_length=300, blank=True)
    headquarters = models.ForeignKey(
        Headquarters,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("followed up by"),
    )
    promised_on = jmodels.jDateField(_("promised on"), null=True, blank=True)
    due_date = jmodels.jDateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=TrackedStatus.choices, default=TrackedStatus.OPEN
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    evidence = PersianTextField(_("evidence"), blank=True)
    completed_on = jmodels.jDateField(_("completed on"), null=True, blank=True)

    objects = models.Manager.from_queryset(CommitmentQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="commitment_progress_at_most_100",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        promised, due = _as_gregorian(self.promised_on), _as_gregorian(self.due_date)
        if promised and due and promised > due:
            raise ValidationError({"due_date": _("The due date cannot be before the promise.")})


def _as_gregorian(value) -> datetime.date | None:
    return value.togregorian() if isinstance(value, jdatetime.date) else value


class CommitmentMilestoneQuerySet(DeadlineQuerySetMixin, ScopedQuerySet):
    deadline_field = "due_date"
    scope_paths = {
        kind: tuple(f"commitment__{p}" for p in ((paths,) if isinstance(paths, str) else paths))
        for kind, paths in CommitmentQuerySet.scope_paths.items()
    }

    def _overdue_q(self, today):
        # A milestone is pending until it is completed.
        today = today or local_today()
        return Q(due_date__lt=today, completed_on=None)


class CommitmentMilestone(models.Model):
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("commitment"),
    )
    title = PersianCharField(_("title"), max_length=300)
    due_date = jmodels.jDateField(_("due date"), null=True, blank=True)
    completed_on = jmodels.jDateField(_("completed on"), null=True, blank=True)
    evidence = PersianTextField(_("evidence"), blank=True)
    # Shown on the public promises pages: stored through the configured media storage
    # (local or the object store), only after `cover_image_prepare` checked it by its
    # content and re-encoded it without metadata (a phone photo's GPS position).
    photo = models.ImageField(
        _("evidence photo"),
        upload_to="commitments/evidence/%Y/%m/",
        blank=True,
        help_text=_("JPEG, PNG or WebP, at most 5 MB; it is resized and its metadata removed."),
    )

    objects = models.Manager.from_queryset(CommitmentMilestoneQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["commitment", "due_date", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        """Past its due date and not done (the queryset's `overdue()`, for one row)."""
        due = _as_gregorian(self.due_date)
        return self.completed_on is None and due is not None and due < local_today()


class CommitmentFollowerQuerySet(ScopedQuerySet):
    scope_paths = CommitmentMilestoneQuerySet.scope_paths

    def active(self):
        return self.filter(unsubscribed_at=None)


class CommitmentFollower(models.Model):
    """A resident who follows a commitment from its public page: an SMS (through the outbox)
    each time its progress or status changes, with a link to stop. The mobile was proved by
    an SMS code; it is never shown on a page.

    One row per commitment and mobile: following again revives the row. Stopping rotates
    `secret`, so an unsubscribe link works once and an old one is refused."""

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="followers",
        verbose_name=_("commitment"),
    )
    mobile = models.CharField(_("mobile"), max_length=11)
    secret = models.CharField(max_length=32, editable=False)
    created_at = models.DateTimeField(_("followed at"), auto_now_add=True)
    unsubscribed_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    objects = models.Manager.from_queryset(CommitmentFollowerQuerySet)()

    class Meta:
        verbose_name = _("commitment follower")
        verbose_name_plural = _("commitment followers")
        ordering = ["commitment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "mobile"], name="commitment_follower_unique_mobile"
            )
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} · {self.pk}"


class CommitmentCommentQuerySet(ScopedQuerySet):
    scope_paths = CommitmentMilestoneQuerySet.scope_paths

    def published(self):
        return self.filter(state=CommitmentComment.State.PUBLISHED)


class CommitmentComment(ModeratedComment):
    """A resident's comment on a public commitment, moderated like news comments by the
    staff whose scope holds the commitment (its neighbourhood's centre, its headquarters)."""

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("commitment"),
    )

    objects = models.Manager.from_queryset(CommitmentCommentQuerySet)()

    class Meta:
        verbose_name = _("comment on a commitment")
        verbose_name_plural = _("comments on commitments")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["commitment", "state"], name="commitment_comment_state"),
        ]
