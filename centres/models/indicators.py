"""Neighbourhood indicators per Jalali period (population, age shares, problems)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from empowerment.kernel.fields import PersianCharField
from empowerment.kernel.persian import to_persian_digits

from ..scope import ScopedQuerySet
from .geography import Neighbourhood, TimeStamped

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


class IndicatorFigures(models.Model):
    """The figures of a neighbourhood for a period, declared once for `Indicator` and for
    the dashboards' summary of it.

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

    class Meta:
        abstract = True


class Indicator(TimeStamped, IndicatorFigures):
    """A neighbourhood's figures for one Jalali period: a year, or a quarter of a year.

    The neighbourhoods dashboard reads them through `IndicatorSummary` (the dashboards'
    summary tables), which picks each neighbourhood's figures for every period.
    """

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
                violation_error_message=_("The quarter is a number from 1 to 4."),
            ),
            models.CheckConstraint(
                condition=Q(youth_share__isnull=True)
                | Q(over_65_share__isnull=True)
                | Q(youth_share__lte=100 - models.F("over_65_share")),
                name="indicator_age_shares_within_100",
                violation_error_message=_(
                    "The shares of young and of old residents together cannot pass 100 percent."
                ),
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
                    "over_65_share": ValidationError(
                        _(
                            "The share of young people and the share over 65 add up to more "
                            "than 100%."
                        ),
                        code="shares_over_100",
                    )
                }
            )


QUARTER_NAMES = {1: _("Spring"), 2: _("Summer"), 3: _("Autumn"), 4: _("Winter")}


def period_label(year: int, quarter: int | None) -> str:
    """۱۴۰۳, or بهار ۱۴۰۳ for a quarter (Persian digits: a label people read)."""
    if quarter is None:
        return to_persian_digits(year)
    return f"{QUARTER_NAMES[quarter]} {to_persian_digits(year)}"
