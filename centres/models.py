"""Geography, centres, headquarters, partner organisations and staff roles."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
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
