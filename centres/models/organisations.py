"""Organisations and the people in them: partners, centres, headquarters, staff roles."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from empowerment.kernel.fields import CodeField, PersianCharField, PersianTextField
from empowerment.kernel.validators import validate_phone

from ..scope import ScopedQuerySet
from .geography import City, District, Neighbourhood, Province, TimeStamped

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
        COUNSELLOR = "counsellor", _("Counsellor")
        ADMINISTRATOR = "administrator", _("Administrator")

    # Which kind of scope each role is given within.
    SCOPE_KINDS_BY_ROLE = {
        Role.CENTRE_STAFF: ("centre",),
        Role.CENTRE_MANAGER: ("centre",),
        Role.REVIEWER: ("centre",),
        Role.COUNSELLOR: ("centre",),
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
                violation_error_message=_(
                    "A role is given within exactly one centre, headquarters, partner, city "
                    "or province, as the role requires."
                ),
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
