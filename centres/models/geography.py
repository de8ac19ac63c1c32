"""Places: provinces, cities, municipal districts and neighbourhoods."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from empowerment.kernel.fields import PersianCharField

from ..scope import ScopedQuerySet


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
