"""The resident registry: trainees, enrolments, attendance, outcomes, products and sales."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from centres.models import Centre, Neighbourhood, TimeStamped
from centres.scope import ScopedQuerySet
from empowerment.fields import CodeField, PersianCharField, PersianTextField
from empowerment.persian import search_key
from empowerment.validators import (
    normalize_mobile,
    normalize_national_code,
    validate_mobile,
    validate_national_code,
)
from programs.models import Cohort, CohortSession

# Paths from a cohort-linked row to each kind of scope.
_COHORT_SCOPE = {
    "centre": "cohort__centre",
    "city": "cohort__centre__city",
    "province": "cohort__centre__city__province",
    "headquarters": "cohort__centre__headquarters",
}


def _through(prefix: str, paths: dict) -> dict:
    """The same scope paths seen from a row that points to the scoped one via `prefix`."""
    return {
        kind: f"{prefix}__{path}"
        if isinstance(path, str)
        else tuple(f"{prefix}__{p}" for p in path)
        for kind, path in paths.items()
    }


class PersonalDataQuerySet(ScopedQuerySet):
    """Rows about residents as people: registry, enrolments, attendance, outcomes, requests.

    A reviewer is given a centre only to judge its calls for ideas; that scope must not open
    the centre's registry (names, national codes, mobiles).
    """

    excluded_roles = ("reviewer",)


class TraineeQuerySet(PersonalDataQuerySet):
    # A trainee belongs to the centre that registered them and is also visible at every
    # centre where they are enrolled (many-valued: ScopedQuerySet wraps it in a subquery).
    # A resident signed in with their own account sees only their own record ("self").
    scope_paths = {
        "self": "user",
        "centre": ("registered_at", "enrolments__cohort__centre"),
        "city": ("registered_at__city", "enrolments__cohort__centre__city"),
        "province": (
            "registered_at__city__province",
            "enrolments__cohort__centre__city__province",
        ),
        "headquarters": "registered_at__headquarters",
    }

    def search_name(self, text: str):
        key = search_key(text)
        return self.filter(name_key__contains=key) if key else self


class Trainee(TimeStamped):
    """A resident registered at a centre (کارآموز)."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    class Education(models.TextChoices):
        NONE = "none", _("No formal schooling")
        PRIMARY = "primary", _("Primary")
        MIDDLE = "middle", _("Middle school")
        DIPLOMA = "diploma", _("High-school diploma")
        ASSOCIATE = "associate", _("Associate degree")
        BACHELOR = "bachelor", _("Bachelor's degree")
        MASTER = "master", _("Master's degree or higher")

    class Employment(models.TextChoices):
        UNEMPLOYED = "unemployed", _("Unemployed, looking for work")
        EMPLOYED = "employed", _("Employed")
        SELF_EMPLOYED = "self_employed", _("Self-employed")
        HOMEMAKER = "homemaker", _("Homemaker")
        STUDENT = "student", _("Student")
        RETIRED = "retired", _("Retired")

    class Referral(models.TextChoices):
        NEIGHBOURS = "neighbours", _("Neighbours, friends or family")
        MOSQUE = "mosque", _("Mosque or neighbourhood council")
        RELIEF = "relief", _("Relief Committee")
        SCHOOL = "school", _("School")
        SOCIAL_MEDIA = "social_media", _("Social media")
        CALL = "call", _("Call for ideas")
        OTHER = "other", _("Other")

    first_name = PersianCharField(_("first name"), max_length=100)
    last_name = PersianCharField(_("last name"), max_length=100)
    father_name = PersianCharField(_("father's name"), max_length=100, blank=True)
    national_code = CodeField(
        _("national code"), max_length=10, unique=True, validators=[validate_national_code]
    )
    mobile = CodeField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = jmodels.jDateField(_("birth date"), null=True, blank=True)
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trainees",
        verbose_name=_("neighbourhood"),
    )
    education = models.CharField(
        _("education level"), max_length=20, choices=Education.choices, blank=True
    )
    employment_status = models.CharField(
        _("employment status at intake"), max_length=20, choices=Employment.choices, blank=True
    )
    referral_source = models.CharField(
        _("how they heard of the centre"), max_length=20, choices=Referral.choices, blank=True
    )
    registered_at = models.ForeignKey(
        Centre,
        on_delete=models.PROTECT,
        related_name="registered_trainees",
        verbose_name=_("registered at"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainee",
        verbose_name=_("resident's account"),
    )
    # The full name folded for search: no ZWNJ, no spaces, Persian letters. Kept by save().
    name_key = models.CharField(max_length=320, editable=False, db_index=True)

    objects = models.Manager.from_queryset(TraineeQuerySet)()
    history = HistoricalRecords(excluded_fields=["name_key"])

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["name_key", "birth_date"], name="trainee_dup_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def normalise(self) -> None:
        """Bring typed codes to their stored form before validation (+98, Persian digits)."""
        self.national_code = normalize_national_code(self.national_code)
        self.mobile = normalize_mobile(self.mobile) if self.mobile else ""
        self.name_key = search_key(f"{self.first_name}{self.last_name}")

    def clean_fields(self, exclude=None) -> None:
        self.normalise()
        super().clean_fields(exclude=exclude)

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)

    @property
    def age(self) -> int | None:
        from empowerment.jalali import today_jalali

        if not self.birth_date:
            return None
        today = today_jalali()
        years = today.year - self.birth_date.year
        if (today.month, today.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class PossibleDuplicateQuerySet(PersonalDataQuerySet):
    scope_paths = _through("trainee", TraineeQuerySet.scope_paths)


class PossibleDuplicate(TimeStamped):
    """Two registrations that may be one person: same name and birth date, other codes.

    Never merged by the software; a person decides.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        SAME_PERSON = "same_person", _("Same person")
        DIFFERENT = "different", _("Different people")

    trainee = models.ForeignKey(
        Trainee,
        on_delete=models.CASCADE,
        related_name="duplicate_flags",
        verbose_name=_("trainee"),
    )
    other = models.ForeignKey(
        Trainee,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("possible duplicate of"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    note = PersianTextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = models.Manager.from_queryset(PossibleDuplicateQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["trainee", "other"], name="possibleduplicate_pair"),
            models.CheckConstraint(
                condition=~Q(trainee=models.F("other")), name="possibleduplicate_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} ↔ {self.other}"


class EnrolmentQuerySet(PersonalDataQuerySet):
    # A resident signed in with their own account sees their own enrolments ("self").
    scope_paths = {**_COHORT_SCOPE, "self": "trainee__user"}

    def holding_a_seat(self):
        return self.filter(status__in=Enrolment.SEAT_STATUSES)


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

    objects = models.Manager.from_queryset(EnrolmentQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["cohort", "trainee__last_name", "trainee__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["trainee", "cohort"], name="enrolment_once_per_cohort"),
            models.CheckConstraint(
                condition=~Q(status="dropped") | ~Q(drop_reason=""),
                name="enrolment_drop_has_reason",
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

    objects = models.Manager.from_queryset(AttendanceQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "enrolment"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session"], name="attendance_once_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.trainee} · {self.session} · {self.get_status_display()}"


class OutcomeQuerySet(PersonalDataQuerySet):
    scope_paths = {
        "self": "trainee__user",
        "centre": ("trainee__registered_at", "enrolment__cohort__centre"),
        "city": ("trainee__registered_at__city", "enrolment__cohort__centre__city"),
        "province": (
            "trainee__registered_at__city__province",
            "enrolment__cohort__centre__city__province",
        ),
        "headquarters": "trainee__registered_at__headquarters",
    }


class Outcome(TimeStamped):
    """What training led to, recorded at a follow-up round (اشتغال)."""

    class Kind(models.TextChoices):
        EMPLOYED = "employed", _("Employed")
        HOME_BUSINESS = "home_business", _("Started a home business")
        EMPLOYER = "employer", _("Became an employer")
        CONTINUING_EDUCATION = "continuing_education", _("Continuing education")

    class Round(models.IntegerChoices):
        THREE = 3, _("3 months")
        SIX = 6, _("6 months")
        TWELVE = 12, _("12 months")

    trainee = models.ForeignKey(
        Trainee, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("trainee")
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
        verbose_name=_("training that led to it"),
    )
    kind = models.CharField(_("outcome"), max_length=30, choices=Kind.choices)
    date = jmodels.jDateField(_("date"))
    follow_up_round = models.PositiveSmallIntegerField(_("follow-up round"), choices=Round.choices)
    employees_count = models.PositiveSmallIntegerField(
        _("people employed"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    note = PersianTextField(_("note"), blank=True)

    objects = models.Manager.from_queryset(OutcomeQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "enrolment", "follow_up_round", "kind"],
                name="outcome_once_per_round",
            ),
            models.CheckConstraint(
                condition=~Q(kind="employer") | Q(employees_count__gte=1),
                name="outcome_employer_counts_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == self.Kind.EMPLOYER and not self.employees_count:
            raise ValidationError(
                {"employees_count": _("Say how many people this new employer employs.")}
            )
        if self.kind != self.Kind.EMPLOYER and self.employees_count:
            raise ValidationError(
                {"employees_count": _("Only an employer has people employed to count.")}
            )
        if self.enrolment_id and self.trainee_id and self.enrolment.trainee_id != self.trainee_id:
            raise ValidationError({"enrolment": _("This enrolment is another trainee's.")})


class ProductQuerySet(ScopedQuerySet):
    scope_paths = _COHORT_SCOPE


class Product(TimeStamped):
    """Something a cohort made (enamel plates, bags...), to follow it to the sale."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="products", verbose_name=_("cohort")
    )
    name = PersianCharField(_("name"), max_length=200)
    description = PersianTextField(_("description"), blank=True)
    quantity_made = models.PositiveIntegerField(_("quantity made"), default=0)
    unit_price_rials = models.PositiveBigIntegerField(
        _("unit price (Rials)"), null=True, blank=True
    )

    objects = models.Manager.from_queryset(ProductQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["cohort", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "name"], name="product_unique_in_cohort")
        ]

    def __str__(self) -> str:
        return self.name


class SaleQuerySet(ScopedQuerySet):
    scope_paths = _through("product", _COHORT_SCOPE)


class Sale(TimeStamped):
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="sales", verbose_name=_("product")
    )
    date = jmodels.jDateField(_("date"))
    place = PersianCharField(
        _("place"), max_length=200, help_text=_("For example: exhibition booth, centre shop.")
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    amount_rials = models.PositiveBigIntegerField(_("amount (Rials)"))

    objects = models.Manager.from_queryset(SaleQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.product} · {self.quantity}"


class TraineeImportQuerySet(PersonalDataQuerySet):
    scope_paths = {"centre": "centre"}


def _import_upload_to(instance, filename: str) -> str:
    # The stored name never comes from the uploader: only the detected type's suffix.
    return f"imports/trainees/{instance.centre_id}/{instance.uploaded_token}.{instance.file_type}"


class TraineeImport(TimeStamped):
    """One uploaded spreadsheet of trainees and enrolments: preview, then apply.

    The preview keeps a row report (what each row would do, or why it is refused); the
    apply step writes every valid row in one transaction and counts progress as it goes,
    so a task can run it while a page shows a progress bar.
    """

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed, waiting for confirmation")
        QUEUED = "queued", _("Confirmed, waiting to run")
        APPLYING = "applying", _("Importing")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed, nothing written")
        REFUSED = "refused", _("Refused")

    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="trainee_imports", verbose_name=_("centre")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file = models.FileField(_("file"), upload_to=_import_upload_to, blank=True)
    uploaded_token = models.CharField(max_length=32, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    file_type = models.CharField(_("file type"), max_length=4)
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    create_count = models.PositiveIntegerField(_("to create"), default=0)
    update_count = models.PositiveIntegerField(_("to update"), default=0)
    error_count = models.PositiveIntegerField(_("refused rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    report = models.JSONField(_("row report"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    objects = models.Manager.from_queryset(TraineeImportQuerySet)()

    class Meta:
        verbose_name = _("trainee import")
        verbose_name_plural = _("trainee imports")
        ordering = ["-created_at"]
        permissions = [("import_trainees", _("Can import trainees from a spreadsheet"))]

    def __str__(self) -> str:
        return f"{self.original_name} · {self.get_state_display()}"

    @property
    def valid_count(self) -> int:
        return self.create_count + self.update_count


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
