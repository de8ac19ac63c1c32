"""A trainee in a cohort: enrolments, attendance per session, and the public's requests to
join a cohort."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from centres import sync
from centres.models import Neighbourhood, TimeStamped
from empowerment.kernel.fields import CodeField, PersianCharField, PersianTextField
from empowerment.kernel.validators import (
    normalize_mobile,
    validate_mobile,
)
from programs.models import Cohort, CohortSession

from .registry import (
    _COHORT_SCOPE,
    PersonalDataQuerySet,
    Trainee,
    _through,
)


class EnrolmentQuerySet(PersonalDataQuerySet):
    # A resident signed in with their own account sees their own enrolments ("self").
    scope_paths = {**_COHORT_SCOPE, "self": "trainee__user"}


class Enrolment(TimeStamped):
    """A trainee in a cohort (ثبت‌نام): from enrolment or the waiting list to completion."""

    class Status(models.TextChoices):
        WAITLISTED = "waitlisted", _("On the waiting list")
        ENROLLED = "enrolled", _("Enrolled")
        CERTIFIED = "certified", _("Completed with certificate")
        NOT_CERTIFIED = "not_certified", _("Completed without certificate")
        DROPPED = "dropped", _("Dropped out")

    SEAT_STATUSES = (Status.ENROLLED, Status.CERTIFIED, Status.NOT_CERTIFIED)

    trainee = models.ForeignKey(
        Trainee, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("trainee")
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("cohort")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ENROLLED
    )
    enrolled_on = jmodels.jDateField(_("enrolment date"))
    over_capacity = models.BooleanField(
        _("admitted over capacity"),
        default=False,
        help_text=_("A manager admitted this trainee although the cohort was full."),
    )
    attendance_percent = models.DecimalField(
        _("attendance (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    certificate_number = CodeField(
        _("certificate number"), max_length=40, null=True, blank=True, unique=True
    )
    certificate_issued_on = jmodels.jDateField(_("certificate date"), null=True, blank=True)
    dropped_on = jmodels.jDateField(_("drop-out date"), null=True, blank=True)
    drop_reason = PersianTextField(_("drop-out reason"), blank=True)
    sync_version = sync.version_field()

    objects = models.Manager.from_queryset(EnrolmentQuerySet)()
    history = HistoricalRecords(excluded_fields=[sync.VERSION_FIELD])

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["cohort", "trainee__last_name", "trainee__first_name"]
        indexes = [sync.version_index("enrolment_sync_idx")]
        constraints = [
            models.UniqueConstraint(fields=["trainee", "cohort"], name="enrolment_once_per_cohort"),
            models.CheckConstraint(
                condition=~Q(status="dropped") | ~Q(drop_reason=""),
                name="enrolment_drop_has_reason",
                violation_error_message=_("A drop-out is recorded with its reason."),
            ),
        ]
        permissions = [
            ("override_capacity", _("Can enrol a trainee in a full cohort")),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.cohort.title}"


class AttendanceQuerySet(PersonalDataQuerySet):
    scope_paths = _through("session", _COHORT_SCOPE)


class Attendance(TimeStamped):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("enrolment"),
    )
    session = models.ForeignKey(
        CohortSession,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("session"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # The id a mobile client gives a mark it took offline; unique, so that sending the same
    # mark again (a retried sync) records it once. Empty for marks taken in the admin.
    client_uuid = models.UUIDField(
        _("client's mark id"), null=True, blank=True, unique=True, editable=False
    )
    sync_version = sync.version_field()

    objects = models.Manager.from_queryset(AttendanceQuerySet)()
    history = HistoricalRecords(excluded_fields=[sync.VERSION_FIELD])

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "enrolment"]
        indexes = [sync.version_index("attendance_sync_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session"], name="attendance_once_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.trainee} · {self.session} · {self.get_status_display()}"


# Synced to mobile clients (centres/sync.py): deletions keep the cohort's centre and, for
# an enrolment, the resident's account.
sync.track(
    Enrolment,
    centre="cohort__centre",
    owner="trainee__user",
    excluded_roles=PersonalDataQuerySet.excluded_roles,
)
sync.track(
    Attendance,
    centre="session__cohort__centre",
    kinds=("centre", "city", "province", "headquarters"),
    excluded_roles=PersonalDataQuerySet.excluded_roles,
)
# An enrolment opens the trainee to the enrolling centre (TraineeQuerySet.scope_paths).
sync.touch(Enrolment, "trainee")


class CohortInterestQuerySet(PersonalDataQuerySet):
    # A resident's own interests ("self") and the cohort's centre and its area.
    scope_paths = {"self": "user", **_COHORT_SCOPE}


class CohortInterest(TimeStamped):
    """A resident's request to join a cohort, sent from the public portal with a mobile
    number confirmed by SMS. It is not an enrolment: the centre's staff call the person,
    register them as a trainee and enrol them in the admin, then mark the request.
    """

    class State(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        ENROLLED = "enrolled", _("Enrolled")
        DECLINED = "declined", _("Not taken up")

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="interests", verbose_name=_("cohort")
    )
    name = PersianCharField(_("name"), max_length=200)
    mobile = CodeField(_("mobile"), max_length=11, validators=[validate_mobile])
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cohort_interests",
        verbose_name=_("neighbourhood"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cohort_interests",
        verbose_name=_("resident's account"),
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NEW)
    staff_note = PersianTextField(_("staff note"), blank=True)
    # What the resident follows the request with (empowerment/kernel/tracking.py).
    tracking_number = models.CharField(
        _("tracking number"), max_length=10, unique=True, null=True, blank=True, editable=False
    )

    objects = models.Manager.from_queryset(CohortInterestQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("interest in a cohort")
        verbose_name_plural = _("interests in cohorts")
        ordering = ["-created_at"]
        constraints = [
            # One request per person and cohort: asking twice changes nothing.
            models.UniqueConstraint(fields=["cohort", "mobile"], name="cohortinterest_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.cohort.title}"

    def clean(self) -> None:
        self.mobile = normalize_mobile(self.mobile)
        if self.neighbourhood_id and self.cohort_id:
            served = Neighbourhood.objects.filter(
                Q(centres=self.cohort.centre_id) | Q(district__centres=self.cohort.centre_id),
                pk=self.neighbourhood_id,
            )
            if not served.exists():
                raise ValidationError(
                    {"neighbourhood": _("Choose a neighbourhood that this centre serves.")}
                )
