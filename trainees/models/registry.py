"""The registry proper: trainees, the possible duplicates among them, and spreadsheet
imports, with the scope of rows about residents as people (`PersonalDataQuerySet`)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.db.models import ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from centres import sync
from centres.models import Centre, Neighbourhood, TimeStamped
from centres.scope import Scope, ScopedQuerySet, scope_for
from empowerment.kernel import masking
from empowerment.kernel.fields import CodeField, PersianCharField, PersianTextField
from empowerment.kernel.jalali import today_jalali
from empowerment.kernel.persian import search_key
from empowerment.kernel.validators import (
    normalize_foreign_code,
    normalize_mobile,
    normalize_national_code,
    normalize_passport,
    validate_foreign_code,
    validate_mobile,
    validate_national_code,
    validate_passport,
)

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
    holds_personal_data = True


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

    # Where a person was registered: the centre whose records (mobile, birth date, father's
    # name, history) these are. A centre that only enrols the person does not reach them.
    registry_paths = {
        "self": "user",
        "centre": "registered_at",
        "city": "registered_at__city",
        "province": "registered_at__city__province",
        "headquarters": "registered_at__headquarters",
    }

    def registered_within(self, user):
        """Trainees registered in the user's scope (or the resident's own record)."""
        scope = user if isinstance(user, Scope) else scope_for(user)
        if scope.is_global:
            return self.all()
        condition = self.scope_condition(scope, self.registry_paths)
        return self.none() if condition is None else self.filter(condition)

    def details_condition(self, user) -> Q:
        """Rows whose home-centre details (HOME_DETAILS) the user may read: registered in
        their scope, or shared by the person's consent with a centre in their scope."""
        scope = user if isinstance(user, Scope) else scope_for(user)
        if scope.is_global:
            return Q(pk__isnull=False)
        condition = self.scope_condition(scope, self.registry_paths) or Q(pk__in=[])
        consents = TraineeSharingConsent.objects.confirmed().visible_to(scope).values("trainee_id")
        return condition | Q(pk__in=consents)

    def details_visible_to(self, user):
        """The trainees whose home-centre details the user reads (see details_condition)."""
        return self.filter(self.details_condition(user))

    def with_details_shared(self, user):
        """Annotate `details_shared`: whether the user reads this person's home-centre
        details or only their name (the "registered elsewhere" view). The one place that
        decides it; admin, API and exports read the annotation through `hide_unshared`."""
        return self.annotate(
            details_shared=ExpressionWrapper(
                self.details_condition(user), output_field=models.BooleanField()
            )
        )

    def search_name(self, text: str):
        key = search_key(text)
        return self.filter(name_key__contains=key) if key else self


# The identifiers a person is registered with, in the order the registry looks them up
# (each unique on its own, each masked as a national code is).
IDENTITY_FIELDS = ("national_code", "foreign_code", "passport_number")


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

    class Nationality(models.TextChoices):
        IRANIAN = "iranian", _("Iranian")
        AFGHAN = "afghan", _("Afghan")
        IRAQI = "iraqi", _("Iraqi")
        PAKISTANI = "pakistani", _("Pakistani")
        OTHER = "other", _("Other nationality")

    first_name = PersianCharField(_("first name"), max_length=100)
    last_name = PersianCharField(_("last name"), max_length=100)
    father_name = PersianCharField(_("father's name"), max_length=100, blank=True)
    # Who the person is, by nationality: an Iranian by the national code (required); a
    # foreign national by the foreign nationals' code (کد یکتای اتباع), a passport number,
    # both or neither. Each identifier is unique on its own; an empty one is stored as NULL
    # so that the unique indexes leave the people without it alone.
    # The database default too: rows written by SQL (generate_synthetic, older tools)
    # are Iranians with their national code, as every row was before this field.
    nationality = models.CharField(
        _("nationality"),
        max_length=12,
        choices=Nationality.choices,
        default=Nationality.IRANIAN,
        db_default=Nationality.IRANIAN,
    )
    national_code = CodeField(
        _("national code"),
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_national_code],
    )
    foreign_code = CodeField(
        _("foreign national's code"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_foreign_code],
        help_text=_("The 12-digit code on the foreign nationals' card (کد یکتای اتباع)."),
    )
    passport_number = CodeField(
        _("passport number"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_passport],
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
    sync_version = sync.version_field()

    objects = models.Manager.from_queryset(TraineeQuerySet)()
    history = HistoricalRecords(excluded_fields=["name_key", sync.VERSION_FIELD])

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["name_key", "birth_date"], name="trainee_dup_idx"),
            sync.version_index("trainee_sync_idx"),
        ]
        constraints = [
            # An Iranian is known by the national code alone; a foreign national has none.
            models.CheckConstraint(
                condition=Q(
                    nationality="iranian",
                    national_code__isnull=False,
                    foreign_code__isnull=True,
                    passport_number__isnull=True,
                )
                | (~Q(nationality="iranian") & Q(national_code__isnull=True)),
                name="trainee_identity_by_nationality",
                violation_error_code="identity_by_nationality",
                violation_error_message=_(
                    "An Iranian is registered with a national code only; a foreign national "
                    "with a foreign national's code, a passport number or neither."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def normalise(self) -> None:
        """Bring typed codes to their stored form before validation (+98, Persian digits,
        a passport's letters upper-case); an empty identifier becomes NULL."""
        self.national_code = normalize_national_code(self.national_code) or None
        self.foreign_code = normalize_foreign_code(self.foreign_code) or None
        self.passport_number = normalize_passport(self.passport_number) or None
        self.mobile = normalize_mobile(self.mobile) if self.mobile else ""
        self.name_key = search_key(f"{self.first_name}{self.last_name}")

    def clean_fields(self, exclude=None) -> None:
        self.normalise()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """The identity rule of `trainee_identity_by_nationality`, as field errors."""
        super().clean()
        problems = {}
        if self.is_foreign_national:
            if self.national_code:
                problems["national_code"] = ValidationError(
                    _("A foreign national has no Iranian national code: leave it empty."),
                    code="national_code_for_foreign_national",
                )
        else:
            if not self.national_code:
                problems["national_code"] = ValidationError(
                    _("An Iranian resident is registered with their national code."),
                    code="national_code_required",
                )
            for name in ("foreign_code", "passport_number"):
                if getattr(self, name):
                    problems[name] = ValidationError(
                        _("Only a foreign national is registered with this identifier."),
                        code="foreign_identity_for_iranian",
                    )
        if problems:
            raise ValidationError(problems)

    @property
    def is_foreign_national(self) -> bool:
        return self.nationality != self.Nationality.IRANIAN

    @property
    def identity(self) -> tuple[str, str] | None:
        """(field, value) of the identifier this person is known by, or None."""
        for name in IDENTITY_FIELDS:
            value = getattr(self, name)
            if value:
                return name, value
        return None

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)

    @property
    def age(self) -> int | None:

        return age_on(self.birth_date, today_jalali()) if self.birth_date else None


def age_on(born, today) -> int | None:
    """Whole years from `born` to `today` (Jalali dates), or None without a birth date."""
    if not born:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# What a centre that only enrols a person registered elsewhere does not read until the
# person consents: the registering centre's details. (The name is shown; the national code
# is masked; enrolments, attendance and outcomes are the enrolling centre's own records and
# are scoped as usual.) A new personal field of Trainee belongs here too.
HOME_DETAILS = (
    "father_name",
    "mobile",
    "birth_date",
    "neighbourhood",
    "neighbourhood_id",
    "education",
    "employment_status",
    "referral_source",
)


def hide_unshared(row, *, shared: bool | None = None):
    """Blank the home-centre details of a trainee row (a dict or a Trainee) whose
    `details_shared` is false, and mask its national code. Returns the row."""
    if shared is None:
        shared = row["details_shared"] if isinstance(row, dict) else row.details_shared
    if shared:
        return row
    # For display only: a model instance treated here must never be saved afterwards.
    for name in HOME_DETAILS:
        blank = None if name in ("birth_date", "neighbourhood", "neighbourhood_id") else ""
        if isinstance(row, dict):
            if name in row:
                row[name] = blank
        elif name != "neighbourhood_id":
            setattr(row, name, blank)
    for name in IDENTITY_FIELDS:
        if isinstance(row, dict) and name not in row:
            continue
        code = row[name] if isinstance(row, dict) else getattr(row, name)
        if code:
            # Masked as the council's view shows it (the one masker).
            code = masking.mask_kind(masking.MASKED_FIELDS[name], code)
            if isinstance(row, dict):
                row[name] = code
            else:
                setattr(row, name, code)
    return row


class TraineeSharingConsentQuerySet(PersonalDataQuerySet):
    scope_paths = {
        "centre": "centre",
        "city": "centre__city",
        "province": "centre__city__province",
        "headquarters": "centre__headquarters",
    }

    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)


class TraineeSharingConsent(TimeStamped):
    """A person's consent that a centre where they are enrolled, but not registered, reads
    the details their registering centre recorded. Given by an SMS code sent to the mobile
    the registering centre holds, which the person tells the enrolling centre's staff.

    One row per trainee × centre: the pending code lives here (only its keyed hash) until
    it is confirmed.
    """

    trainee = models.ForeignKey(
        Trainee,
        on_delete=models.CASCADE,
        related_name="sharing_consents",
        verbose_name=_("trainee"),
    )
    centre = models.ForeignKey(
        Centre,
        on_delete=models.CASCADE,
        related_name="sharing_consents",
        verbose_name=_("centre"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    code_hash = models.CharField(max_length=128, blank=True, editable=False)
    code_sent_at = models.DateTimeField(_("code sent at"), null=True, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    objects = models.Manager.from_queryset(TraineeSharingConsentQuerySet)()

    class Meta:
        verbose_name = _("sharing consent")
        verbose_name_plural = _("sharing consents")
        constraints = [
            models.UniqueConstraint(fields=["trainee", "centre"], name="sharingconsent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.centre}"


# Synced to mobile clients (centres/sync.py). A trainee being deleted has no enrolments
# (they protect it): their scope is the registering centre and their own account.
sync.track(
    Trainee,
    centre="registered_at",
    owner="user",
    excluded_roles=PersonalDataQuerySet.excluded_roles,
)
# A consent opens the person's details to a centre: the trainee's answer there changes.
sync.touch(TraineeSharingConsent, "trainee", on_update=True)


class PossibleDuplicateQuerySet(PersonalDataQuerySet):
    scope_paths = _through("trainee", TraineeQuerySet.scope_paths)


class PossibleDuplicate(TimeStamped):
    """Two registrations that may be one person: same name and birth date under other
    national codes; for someone without a national code (a foreign national), same name,
    father's name and birth date, or same name and mobile (trainee_flag_duplicates).

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
                condition=~Q(trainee=models.F("other")),
                name="possibleduplicate_not_self",
                violation_error_message=_("A trainee cannot be a duplicate of themselves."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} ↔ {self.other}"


class TraineeImportQuerySet(PersonalDataQuerySet):
    scope_paths = {"centre": "centre"}


def import_storage():
    """The private storage of import uploads (`STORAGES["imports"]`), outside MEDIA_ROOT.

    A callable so that the migration names the alias, not a path, and each deployment (or
    test) chooses where the files live."""
    return storages["imports"]


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
    file = models.FileField(
        _("file"), upload_to=_import_upload_to, storage=import_storage, blank=True
    )
    uploaded_token = models.CharField(max_length=32, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    file_type = models.CharField(_("file type"), max_length=4)
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    create_count = models.PositiveIntegerField(_("to create"), default=0)
    update_count = models.PositiveIntegerField(_("to update"), default=0)
    # Rows whose person is registered at another centre: they only enrol them here.
    elsewhere_count = models.PositiveIntegerField(_("registered elsewhere"), default=0)
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
        return self.create_count + self.update_count + self.elsewhere_count
