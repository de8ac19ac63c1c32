"""Geography, centres, headquarters, partner organisations and staff roles."""

import datetime
from zoneinfo import ZoneInfo

import jdatetime
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from empowerment.fields import CodeField, PersianCharField, PersianTextField
from empowerment.validators import validate_phone

from .scope import ScopedQuerySet


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# --- Geography ---------------------------------------------------------------------------


class ProvinceQuerySet(ScopedQuerySet):
    scope_paths = {"province": "id", "city": "cities", "centre": "cities__centres"}


class Province(models.Model):
    name = PersianCharField(_("name"), max_length=100, unique=True)

    objects = models.Manager.from_queryset(ProvinceQuerySet)()

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CityQuerySet(ScopedQuerySet):
    scope_paths = {"province": "province", "city": "id", "centre": "centres"}


class City(models.Model):
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="cities", verbose_name=_("province")
    )
    name = PersianCharField(_("name"), max_length=100)

    objects = models.Manager.from_queryset(CityQuerySet)()

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["province__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="city_unique_in_province")
        ]

    def __str__(self) -> str:
        return self.name


class DistrictQuerySet(ScopedQuerySet):
    scope_paths = {"province": "city__province", "city": "city", "centre": "centres"}


class District(models.Model):
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="districts", verbose_name=_("city")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = PersianCharField(_("name"), max_length=100, blank=True)

    objects = models.Manager.from_queryset(DistrictQuerySet)()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["city__name", "number"]
        constraints = [
            models.UniqueConstraint(fields=["city", "number"], name="district_unique_in_city")
        ]

    def __str__(self) -> str:
        return self.name or _("District %(number)s, %(city)s") % {
            "number": self.number,
            "city": self.city.name,
        }


class NeighbourhoodQuerySet(ScopedQuerySet):
    scope_paths = {
        "province": "district__city__province",
        "city": "district__city",
        "centre": ("centres", "district__centres"),
    }


class Neighbourhood(models.Model):
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="neighbourhoods",
        verbose_name=_("district"),
    )
    name = PersianCharField(_("name"), max_length=100)
    is_less_privileged = models.BooleanField(_("less-privileged"), default=False)

    objects = models.Manager.from_queryset(NeighbourhoodQuerySet)()

    class Meta:
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["district__city__name", "district__number", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"], name="neighbourhood_unique_in_district"
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Organisations -----------------------------------------------------------------------


class PartnerQuerySet(ScopedQuerySet):
    # Partner organisations are public bodies: every signed-in member of staff may read
    # the list (to assign a resolution, say); only administrators edit it.
    def visible_to(self, user):
        return self.all()


class Partner(TimeStamped):
    class Kind(models.TextChoices):
        RELIEF = "relief", _("Relief Committee")
        TVTO = "tvto", _("Technical and Vocational Training Organisation")
        MUNICIPALITY = "municipality", _("Municipality")
        GOVERNMENT = "government", _("Government agency")
        NGO = "ngo", _("Non-governmental organisation")
        COUNCIL = "council", _("City council")
        OTHER = "other", _("Other")

    name = PersianCharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("province"),
        help_text=_("Empty for a national organisation."),
    )
    phone = CodeField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = models.Manager.from_queryset(PartnerQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CentreQuerySet(ScopedQuerySet):
    scope_paths = {"centre": "id", "city": "city", "province": "city__province"}

    def active(self):
        return self.filter(is_active=True)


class Centre(TimeStamped):
    """An empowerment and employment centre (مرکز توانمندسازی و اشتغال)."""

    name = PersianCharField(_("name"), max_length=200, unique=True)
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="centres", verbose_name=_("city")
    )
    districts = models.ManyToManyField(
        District, related_name="centres", blank=True, verbose_name=_("districts served")
    )
    neighbourhoods = models.ManyToManyField(
        Neighbourhood, related_name="centres", blank=True, verbose_name=_("neighbourhoods served")
    )
    opening_date = jmodels.jDateField(_("opening date"), null=True, blank=True)
    address = PersianTextField(_("address"), blank=True)
    phone = CodeField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    is_active = models.BooleanField(_("active"), default=True)

    objects = models.Manager.from_queryset(CentreQuerySet)()
    history = HistoricalRecords(m2m_fields=[districts, neighbourhoods])

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HeadquartersQuerySet(ScopedQuerySet):
    scope_paths = {
        "headquarters": ("id", "parent"),
        "centre": "centre",
        "city": "city",
        "province": "province",
    }


class Headquarters(TimeStamped):
    """A coordinating body (قرارگاه): national, provincial, city or neighbourhood level.

    `province` and `city` are derived from the area on save, so that scope can reach an
    HQ through one path whatever its level.
    """

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")
        CITY = "city", _("City")
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")

    LEVEL_RANK = {"national": 0, "provincial": 1, "city": 2, "neighbourhood": 3}

    name = PersianCharField(_("name"), max_length=200, unique=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent headquarters"),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="headquarters",
        verbose_name=_("province"),
    )
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="headquarters",
        verbose_name=_("city"),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="headquarters",
        verbose_name=_("neighbourhood"),
    )
    centre = models.ForeignKey(
        Centre,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headquarters",
        verbose_name=_("centre it works with"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = models.Manager.from_queryset(HeadquartersQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("headquarters")
        verbose_name_plural = _("headquarters")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.neighbourhood_id and not self.city_id:
            self.city = self.neighbourhood.district.city
        if self.city_id and not self.province_id:
            self.province = self.city.province
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.neighbourhood_id:
            self.city = self.neighbourhood.district.city
        if self.city_id:
            self.province = self.city.province
        required = {
            self.Level.PROVINCIAL: ("province", self.province_id),
            self.Level.CITY: ("city", self.city_id),
            self.Level.NEIGHBOURHOOD: ("neighbourhood", self.neighbourhood_id),
        }
        if self.level in required and not required[self.level][1]:
            field_name = required[self.level][0]
            errors[field_name] = _("A headquarters at this level needs its %(area)s.") % {
                "area": self._meta.get_field(field_name).verbose_name
            }
        if self.level == self.Level.NATIONAL and (self.province_id or self.parent_id):
            errors["level"] = _("A national headquarters has no parent and no area.")
        if self.parent_id:
            if self.parent_id == self.pk:
                errors["parent"] = _("A headquarters cannot be its own parent.")
            elif self.LEVEL_RANK[self.parent.level] >= self.LEVEL_RANK.get(self.level, 0):
                errors["parent"] = _("The parent must be at a higher level.")
        if errors:
            raise ValidationError(errors)


# --- Staff roles -------------------------------------------------------------------------


class StaffRoleQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "centre",
        "headquarters": "headquarters",
        "partner": "partner",
        "city": ("city", "centre__city"),
        "province": ("province", "city__province", "centre__city__province"),
    }


class StaffRole(TimeStamped):
    """A person's role within one scope: a centre, an HQ, a partner, a city or a province."""

    class Role(models.TextChoices):
        CENTRE_STAFF = "centre_staff", _("Centre staff")
        CENTRE_MANAGER = "centre_manager", _("Centre manager")
        HQ_SECRETARY = "hq_secretary", _("Headquarters secretary")
        PARTNER_OFFICER = "partner_officer", _("Partner officer")
        COUNCIL_MEMBER = "council_member", _("Council member")
        VIEWER = "viewer", _("Viewer")
        REVIEWER = "reviewer", _("Reviewer")
        ADMINISTRATOR = "administrator", _("Administrator")

    # Which kind of scope each role is given within.
    SCOPE_KINDS_BY_ROLE = {
        Role.CENTRE_STAFF: ("centre",),
        Role.CENTRE_MANAGER: ("centre",),
        Role.REVIEWER: ("centre",),
        Role.HQ_SECRETARY: ("headquarters",),
        Role.PARTNER_OFFICER: ("partner",),
        Role.COUNCIL_MEMBER: ("city", "province", "headquarters"),
        Role.VIEWER: ("centre", "headquarters", "city", "province"),
        Role.ADMINISTRATOR: (),
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_roles",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("centre")
    )
    headquarters = models.ForeignKey(
        Headquarters,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("headquarters"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("partner")
    )
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("city")
    )
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("province")
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = models.Manager.from_queryset(StaffRoleQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        ordering = ["user__username", "role"]
        constraints = [
            # At most one scope per role row; which kind is allowed is checked in clean().
            models.CheckConstraint(
                condition=(
                    Q(
                        centre__isnull=False,
                        headquarters=None,
                        partner=None,
                        city=None,
                        province=None,
                    )
                    | Q(
                        centre=None,
                        headquarters__isnull=False,
                        partner=None,
                        city=None,
                        province=None,
                    )
                    | Q(
                        centre=None,
                        headquarters=None,
                        partner__isnull=False,
                        city=None,
                        province=None,
                    )
                    | Q(
                        centre=None,
                        headquarters=None,
                        partner=None,
                        city__isnull=False,
                        province=None,
                    )
                    | Q(
                        centre=None,
                        headquarters=None,
                        partner=None,
                        city=None,
                        province__isnull=False,
                    )
                    | Q(
                        role="administrator",
                        centre=None,
                        headquarters=None,
                        partner=None,
                        city=None,
                        province=None,
                    )
                ),
                name="staffrole_exactly_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_object or '—'}"

    @property
    def scope_kind(self) -> str | None:
        for kind in ("centre", "headquarters", "partner", "city", "province"):
            if getattr(self, f"{kind}_id"):
                return kind
        return None

    @property
    def scope_object(self):
        kind = self.scope_kind
        return getattr(self, kind) if kind else None

    def clean(self) -> None:
        allowed = self.SCOPE_KINDS_BY_ROLE.get(self.role, ())
        kinds = [
            kind
            for kind in ("centre", "headquarters", "partner", "city", "province")
            if getattr(self, f"{kind}_id")
        ]
        if len(kinds) > 1:
            raise ValidationError(_("A role has exactly one scope: choose only one of them."))
        if not allowed:
            if kinds:
                raise ValidationError(_("An administrator's role has no scope."))
            return
        if not kinds:
            raise ValidationError(
                _("Choose the scope of this role: %(kinds)s.")
                % {"kinds": "، ".join(str(self._meta.get_field(k).verbose_name) for k in allowed)}
            )
        if kinds[0] not in allowed:
            raise ValidationError(
                {
                    kinds[0]: _("This role cannot be given within a %(kind)s.")
                    % {"kind": self._meta.get_field(kinds[0]).verbose_name}
                }
            )


# --- News --------------------------------------------------------------------------------
# Articles the municipality publishes about its centres, and readers' comments on them,
# shown publicly only after staff of the article's centre publish them. Services (publish,
# submit, moderate, cover images) are in `centres/news.py`.


class ArticleQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "centre",
        "city": "centre__city",
        "province": "centre__city__province",
    }

    def published(self):
        """What a reader may see: published, publication time reached, centre active."""
        from django.utils import timezone

        return self.filter(
            state=Article.State.PUBLISHED,
            published_at__lte=timezone.now(),
            centre__is_active=True,
        )

    def with_comment_counts(self):
        """Annotate comments_total/awaiting/published in the same query (no query per row).

        The total counts what readers sent and staff did not reject: awaiting + published.
        """
        awaiting = Q(comments__state=Comment.State.AWAITING)
        published = Q(comments__state=Comment.State.PUBLISHED)
        return self.annotate(
            comments_total=models.Count("comments", filter=awaiting | published),
            comments_awaiting=models.Count("comments", filter=awaiting),
            comments_published=models.Count("comments", filter=published),
        )


class Article(TimeStamped):
    """A news article about a centre, written by its staff in the admin."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = PersianCharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("address in the site"),
        max_length=200,
        unique=True,
        allow_unicode=True,
        help_text=_("Letters, digits and hyphens; it becomes the article's web address."),
    )
    lead = PersianTextField(
        _("lead"),
        max_length=600,
        validators=[MaxLengthValidator(600)],
        help_text=_("One or two sentences."),
    )
    body = PersianTextField(_("body"))
    cover = models.ImageField(
        _("cover image"),
        upload_to="news/covers/%Y/%m/",
        blank=True,
        help_text=_("JPEG, PNG or WebP, at most 5 MB; it is resized and its metadata removed."),
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="articles", verbose_name=_("centre")
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("neighbourhood"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.DRAFT, editable=False
    )
    published_at = jmodels.jDateTimeField(
        _("publication date"),
        null=True,
        blank=True,
        help_text=_("Jalali, e.g. 1400-10-20 10:00. Empty: the moment it is published."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("author"),
        editable=False,
    )

    objects = models.Manager.from_queryset(ArticleQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("news article")
        verbose_name_plural = _("news articles")
        ordering = ["-published_at", "-created_at"]
        indexes = [models.Index(fields=["state", "published_at"], name="article_state_published")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("article_detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    def clean(self) -> None:
        if self.neighbourhood_id and self.centre_id:
            served = Neighbourhood.objects.filter(
                Q(centres=self.centre_id) | Q(district__centres=self.centre_id),
                pk=self.neighbourhood_id,
            )
            if not served.exists():
                raise ValidationError(
                    {"neighbourhood": _("Choose a neighbourhood that this centre serves.")}
                )


class CommentQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "article__centre",
        "city": "article__centre__city",
        "province": "article__centre__city__province",
    }

    def published(self):
        return self.filter(state=Comment.State.PUBLISHED)


class Comment(models.Model):
    """A reader's comment on an article; shown only once staff published it."""

    NAME_MAX_LENGTH = 80
    TEXT_MAX_LENGTH = 2000

    class State(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="comments", verbose_name=_("article")
    )
    name = PersianCharField(_("name"), max_length=NAME_MAX_LENGTH)
    text = PersianTextField(
        _("comment"), max_length=TEXT_MAX_LENGTH, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)]
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.AWAITING
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)

    objects = models.Manager.from_queryset(CommentQuerySet)()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["article", "state"], name="comment_article_state")]

    def __str__(self) -> str:
        return f"{self.name}: {self.text[:40]}"


# --- Meetings, resolutions and commitments -----------------------------------------------
#
# A meeting belongs to one body: a headquarters or a centre. Its resolutions are assigned to
# partner organisations and followed up until done; public commitments to a neighbourhood are
# tracked the same way. "Overdue" is never stored: it is derived from the deadline, the status
# and Tehran's date of today (`local_today`).

TEHRAN = ZoneInfo("Asia/Tehran")


def local_today() -> datetime.date:
    """Today's date in Tehran, whatever time zone is active."""
    return timezone.localdate(timezone=TEHRAN)


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
            ),
            models.UniqueConstraint(
                fields=["headquarters", "number"],
                condition=Q(headquarters__isnull=False),
                name="meeting_number_unique_in_headquarters",
            ),
            models.UniqueConstraint(
                fields=["centre", "number"],
                condition=Q(centre__isnull=False),
                name="meeting_number_unique_in_centre",
            ),
            models.CheckConstraint(
                condition=Q(duration_hours__gte=0), name="meeting_duration_not_negative"
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
                condition=Q(progress__lte=100), name="resolution_progress_at_most_100"
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
                condition=Q(progress__lte=100), name="followup_progress_at_most_100"
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
                condition=Q(progress__lte=100), name="commitment_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return self.title


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

    objects = models.Manager.from_queryset(CommitmentMilestoneQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["commitment", "due_date", "pk"]

    def __str__(self) -> str:
        return self.title


# --- Neighbourhood indicators (شاخص‌های محله) ----------------------------------------------
# Self-contained section: the figures a headquarters tracks per neighbourhood and Jalali
# period, compared side by side on the neighbourhoods dashboard.


class IndicatorQuerySet(ScopedQuerySet):
    scope_paths = {
        "province": "neighbourhood__district__city__province",
        "city": "neighbourhood__district__city",
        # A centre sees the neighbourhoods it serves and those of the districts it serves,
        # as Neighbourhood's own scope does.
        "centre": ("neighbourhood__centres", "neighbourhood__district__centres"),
    }

    def for_period(self, year: int, quarter: int | None = None):
        """For each neighbourhood, its most specific figure for the period, one row each.

        A quarter takes that quarter's figure, or else the year's; a year takes the yearly
        figure, or else the latest quarter of that year. Done in one subquery so that a
        dashboard pays one query whatever the number of neighbourhoods.
        """
        candidates = self.model._base_manager.filter(
            neighbourhood=models.OuterRef("neighbourhood"), year=year
        )
        if quarter is None:
            candidates = candidates.order_by(models.F("quarter").desc(nulls_first=True))
        else:
            candidates = candidates.filter(Q(quarter=quarter) | Q(quarter__isnull=True)).order_by(
                models.F("quarter").asc(nulls_last=True)
            )
        best = candidates.values("pk")[:1]
        return self.filter(year=year).filter(pk=models.Subquery(best))


class Indicator(TimeStamped):
    """A neighbourhood's figures for one Jalali period: a year, or a quarter of a year.

    Shares and rates are percentages of the population. The social problems the HQ tracks
    (addiction, poverty, unemployment, insecurity) are recorded as a severity level on a
    common 0-4 scale, as the neighbourhood's think-tank council assesses them: counts of
    addicts or of poor households are rarely known, are sensitive, and cannot be compared
    between neighbourhoods of different sizes, while a level can be compared side by side
    and averaged over a district (weighted by population).
    """

    class Level(models.IntegerChoices):
        NONE = 0, _("none")
        LOW = 1, _("low")
        MODERATE = 2, _("moderate")
        HIGH = 3, _("high")
        SEVERE = 4, _("severe")

    PROBLEM_FIELDS = ("addiction_level", "poverty_level", "unemployment_level", "insecurity_level")
    SHARE_FIELDS = ("youth_share", "over_65_share", "unemployment_rate")

    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("neighbourhood"),
    )
    year = models.PositiveSmallIntegerField(
        _("Jalali year"),
        validators=[MinValueValidator(1350), MaxValueValidator(1500)],
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"),
        null=True,
        blank=True,
        choices=[(1, _("Spring")), (2, _("Summer")), (3, _("Autumn")), (4, _("Winter"))],
        help_text=_("Empty for a figure of the whole year."),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    youth_share = models.DecimalField(
        _("share of young people (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Residents aged 15 to 29, as a percentage of the population."),
    )
    over_65_share = models.DecimalField(
        _("share over 65 (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    unemployment_rate = models.DecimalField(
        _("unemployment rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    addiction_level = models.PositiveSmallIntegerField(
        _("addiction"), choices=Level.choices, null=True, blank=True
    )
    poverty_level = models.PositiveSmallIntegerField(
        _("poverty"), choices=Level.choices, null=True, blank=True
    )
    unemployment_level = models.PositiveSmallIntegerField(
        _("unemployment"), choices=Level.choices, null=True, blank=True
    )
    insecurity_level = models.PositiveSmallIntegerField(
        _("insecurity"), choices=Level.choices, null=True, blank=True
    )
    source = PersianCharField(_("source"), max_length=200, blank=True)

    objects = models.Manager.from_queryset(IndicatorQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("neighbourhood indicator")
        verbose_name_plural = _("neighbourhood indicators")
        ordering = ["-year", "-quarter", "neighbourhood__district__number", "neighbourhood__name"]
        constraints = [
            # NULL quarters are distinct in a plain unique index, so the yearly figure and
            # the quarterly ones get a partial unique index each (SQLite and PostgreSQL).
            models.UniqueConstraint(
                fields=["neighbourhood", "year", "quarter"],
                condition=Q(quarter__isnull=False),
                name="indicator_unique_quarter",
                violation_error_message=_(
                    "This neighbourhood already has figures for this quarter."
                ),
            ),
            models.UniqueConstraint(
                fields=["neighbourhood", "year"],
                condition=Q(quarter__isnull=True),
                name="indicator_unique_year",
                violation_error_message=_("This neighbourhood already has figures for this year."),
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="indicator_quarter_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(youth_share__isnull=True)
                | Q(over_65_share__isnull=True)
                | Q(youth_share__lte=100 - models.F("over_65_share")),
                name="indicator_age_shares_within_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.neighbourhood} · {self.period_label}"

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.quarter)

    def clean(self) -> None:
        if (
            self.youth_share is not None
            and self.over_65_share is not None
            and self.youth_share + self.over_65_share > 100
        ):
            raise ValidationError(
                {
                    "over_65_share": _(
                        "The share of young people and the share over 65 add up to more than 100%."
                    )
                }
            )


QUARTER_NAMES = {1: _("Spring"), 2: _("Summer"), 3: _("Autumn"), 4: _("Winter")}


def period_label(year: int, quarter: int | None) -> str:
    """۱۴۰۳, or بهار ۱۴۰۳ for a quarter (Persian digits: a label people read)."""
    from empowerment.persian import to_persian_digits

    if quarter is None:
        return to_persian_digits(year)
    return f"{QUARTER_NAMES[quarter]} {to_persian_digits(year)}"
