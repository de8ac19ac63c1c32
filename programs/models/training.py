"""Programmes (a training offer), cohorts (one run of it at a centre) and their sessions."""

from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from centres import sync
from centres.models import Centre, Partner, TimeStamped
from centres.scope import ScopedQuerySet
from empowerment.kernel.fields import CodeField, PersianCharField, PersianTextField
from empowerment.kernel.jalali import format_jalali

__all__ = ["Programme", "Cohort", "CohortSession", "TARGET_GROUPS"]


TARGET_GROUPS = [
    ("women", _("Women")),
    ("youth", _("Youth")),
    ("children", _("Children")),
    ("men", _("Men")),
    ("everyone", _("Everyone")),
]


class ProgrammeQuerySet(ScopedQuerySet):
    # Programmes are a shared catalogue (the same minakari course runs at many centres):
    # every signed-in member of staff may read it; cohorts are what is scoped to a centre.
    def visible_to(self, user):
        return self.all()

    def active(self):
        return self.filter(is_active=True)


class Programme(TimeStamped):
    """A training offer (برنامه آموزشی): minakari, business skills, a vocational course..."""

    class Field(models.TextChoices):
        HANDICRAFT = "handicraft", _("Handicraft")
        BUSINESS = "business", _("Business")
        VOCATIONAL = "vocational", _("Technical and vocational")
        DIGITAL = "digital", _("Digital")

    title = PersianCharField(_("title"), max_length=200, unique=True)
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    target_groups = models.JSONField(
        _("target groups"),
        default=list,
        blank=True,
        help_text=_("Who the programme is meant for: women, youth, children..."),
    )
    total_hours = models.PositiveSmallIntegerField(
        _("total hours"), validators=[MinValueValidator(1)]
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes",
        verbose_name=_("co-running partner"),
    )
    description = PersianTextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = models.Manager.from_queryset(ProgrammeQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        allowed = {value for value, _label in TARGET_GROUPS}
        if not isinstance(self.target_groups, list) or not set(self.target_groups) <= allowed:
            raise ValidationError({"target_groups": _("Choose target groups from the list.")})

    def get_target_groups_display(self) -> str:
        labels = dict(TARGET_GROUPS)
        return "، ".join(str(labels.get(value, value)) for value in self.target_groups)


# Which of a cohort's enrolments hold a seat is for the trainees app to say (enrolments sit
# a floor above programmes): it registers the condition when it loads (trainees/apps.py), a
# hook rather than an import up the layers.
_seat_holders: Q | None = None


def register_seat_holders(condition: Q) -> None:
    """`condition`: a filter on a cohort's `enrolments` relation, true for those that hold
    a seat."""
    global _seat_holders
    _seat_holders = condition


class CohortQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "centre",
        "city": "centre__city",
        "province": "centre__city__province",
        "headquarters": "centre__headquarters",
    }

    def with_seats(self):
        """The one count of a cohort's seats, annotated in the same query: `seats_taken`
        (enrolments holding a seat) and `seats_left` (what the capacity leaves, never below
        nought: a manager may admit over capacity). The admin, the API, the public pages
        and the enrolment services all read it."""
        if _seat_holders is None:
            raise ImproperlyConfigured("No seat rule is registered (is `trainees` installed?).")
        return self.annotate(seats_taken=Count("enrolments", filter=_seat_holders)).annotate(
            seats_left=Greatest(F("capacity") - F("seats_taken"), Value(0))
        )

    def seats_left(self, cohort) -> int:
        """The free seats of one cohort (one query). The enrolment services ask with the
        cohort row locked, so that two enrolments at once cannot both take the last seat."""
        return self.filter(pk=cohort.pk).with_seats().values_list("seats_left", flat=True).get()


class Cohort(TimeStamped):
    """One run of a programme at a centre (دوره / کلاس)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("programme")
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("centre")
    )
    code = CodeField(
        _("cohort code"),
        max_length=30,
        unique=True,
        help_text=_("A short code staff write in spreadsheets, e.g. MNK-1402-1."),
    )
    title = PersianCharField(_("title"), max_length=200)
    instructor = PersianCharField(_("instructor"), max_length=150, blank=True)
    start_date = jmodels.jDateField(_("start date"))
    end_date = jmodels.jDateField(_("end date"))
    weekly_schedule = PersianCharField(
        _("weekly schedule"),
        max_length=200,
        blank=True,
        help_text=_("For example: Saturdays and Mondays, 9 to 12."),
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("minimum attendance for a certificate (%)"),
        default=75,
        validators=[MaxValueValidator(100)],
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)

    objects = models.Manager.from_queryset(CohortQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="cohort_ends_after_start",
                violation_error_message=_("A cohort ends on or after the day it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.CANCELLED)


class CohortSessionQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "cohort__centre",
        "city": "cohort__centre__city",
        "province": "cohort__centre__city__province",
        "headquarters": "cohort__centre__headquarters",
    }


class CohortSession(TimeStamped):
    """One class meeting of a cohort; attendance is taken per session."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("cohort")
    )
    date = jmodels.jDateField(_("date"))
    start_time = models.TimeField(_("start time"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    topic = PersianCharField(_("topic"), max_length=200, blank=True)
    # Set by `cohort_session_cancel`; a cancelled session gets no reminder.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancel_reason = PersianCharField(_("reason for cancelling"), max_length=300, blank=True)
    sync_version = sync.version_field()

    objects = models.Manager.from_queryset(CohortSessionQuerySet)()
    history = HistoricalRecords(excluded_fields=[sync.VERSION_FIELD])

    class Meta:
        verbose_name = _("cohort session")
        verbose_name_plural = _("cohort sessions")
        ordering = ["cohort", "date", "start_time"]
        indexes = [sync.version_index("cohortsession_sync_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "date", "start_time"], name="cohortsession_unique_time"
            )
        ]

    def __str__(self) -> str:

        return f"{self.cohort.title} · {format_jalali(self.date)} {self.start_time:%H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def clean(self) -> None:
        cohort = self.cohort if self.cohort_id else None
        if cohort and self.date and not (cohort.start_date <= self.date <= cohort.end_date):
            raise ValidationError(
                {"date": _("The session date must fall between the cohort's start and end.")}
            )


# Synced to mobile clients (centres/sync.py): a deleted session keeps its cohort's centre.
sync.track(
    CohortSession, centre="cohort__centre", kinds=("centre", "city", "province", "headquarters")
)
