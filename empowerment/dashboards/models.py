"""Summary tables behind the dashboards, refreshed by `summaries.summaries_refresh`.

Each one sums rows of several apps (trainees, cohorts, ideas, resolutions and the geography
of centres), so they live in the composition layer, which may import all of them. They keep
the app label `empowerment` they were created with (tables, view permissions and migrations
unchanged, at `empowerment/migrations/`).

Every row is one cell: a Jalali month (`period` = year * 100 + month) times the places and
categories the dashboards filter and break down by. A page sums the cells its filters
select, so its cost follows the number of cells (places x programmes x months), not the
number of trainees. The place columns are copied onto each row (province and city of the
centre, district and neighbourhood of the resident) so that the filters need no join; the
foreign keys carry no database constraint, as the table is rebuilt wholesale.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Count, ExpressionWrapper, F, Max, Q, Sum
from django.utils.translation import gettext_lazy as _

from centres.models import IndicatorFigures
from centres.scope import Scope, ScopedQuerySet, scope_for

AGE_BANDS = [
    ("u18", _("Under 18")),
    ("18-24", _("18 to 24")),
    ("25-34", _("25 to 34")),
    ("35-44", _("35 to 44")),
    ("45-54", _("45 to 54")),
    ("55+", _("55 and over")),
    ("", _("Age not known")),
]


def _ref(model: str, name: str, null: bool = True):
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=null,
        blank=True,
        related_name="+",
        verbose_name=name,
    )


# A summary row's `period` is a Jalali month (year * 100 + month, 1 to 12); the rows that
# carry `in_training` for a longer span have a code of their own outside 1-12, so that a
# month range never takes them: the year is year * 100, quarter q is year * 100 + 12 + q.
def period_span(year: int, quarter: int | None = None) -> int:
    """The `period` of the rows counting a whole Jalali year or quarter."""
    return year * 100 + (0 if quarter is None else 12 + quarter)


class SummaryQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "centre",
        "city": "city",
        "province": "province",
        "headquarters": "centre__headquarters",
    }


class PlacedSummary(models.Model):
    period = models.PositiveIntegerField(_("Jalali month"))
    province = _ref("centres.Province", _("province"))
    city = _ref("centres.City", _("city"))
    district = _ref("centres.District", _("district"))
    neighbourhood = _ref("centres.Neighbourhood", _("neighbourhood"))
    centre = _ref("centres.Centre", _("centre"))

    objects = models.Manager.from_queryset(SummaryQuerySet)()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.period}"


class TrainingMeasures(models.Model):
    """The training figures a summary row and a rollup row both carry."""

    programme = _ref("programs.Programme", _("programme"))
    gender = models.CharField(_("gender"), max_length=10, blank=True)
    age_band = models.CharField(_("age band"), max_length=8, blank=True)
    # Enrolments, by enrolment month.
    enrolled = models.PositiveIntegerField(default=0)
    # Enrolments in training: in a cohort that held sessions in the row's period (see
    # `period_span`: a month's row counts that month; a quarter's or year's row, the
    # enrolments in training at any time in it, each once). Read from the row of the span
    # asked for, never summed over months.
    in_training = models.PositiveIntegerField(default=0)
    # Of those in training, the foreign nationals (a nationality other than Iranian: the
    # residents registered without a national code). Read like `in_training`.
    foreign_nationals = models.PositiveIntegerField(default=0)
    # Sessions held (not cancelled, dated up to the refresh), by session month; attendance
    # marks of those sessions (present, and present or absent: an excused absence counts
    # neither way, as in an enrolment's attendance rate).
    sessions_held = models.PositiveIntegerField(default=0)
    attendance_present = models.PositiveIntegerField(default=0)
    attendance_counted = models.PositiveIntegerField(default=0)
    # Completions by the cohort's end; certificates by their date (see
    # `summaries.COMPLETIONS`).
    completed = models.PositiveIntegerField(default=0)
    certified = models.PositiveIntegerField(default=0)
    # Drop-outs, by drop-out month.
    dropped = models.PositiveIntegerField(default=0)
    # Outcomes: a person counted once per kind, in the month it was first recorded.
    employed = models.PositiveIntegerField(default=0)
    home_business = models.PositiveIntegerField(default=0)
    employers = models.PositiveIntegerField(default=0)
    jobs_created = models.PositiveIntegerField(default=0)
    # Sales, by sale month.
    products_sold = models.PositiveBigIntegerField(default=0)
    sales_rials = models.PositiveBigIntegerField(default=0)
    # Cohorts: started in the month, and running on its first day (started before it).
    cohorts_started = models.PositiveIntegerField(default=0)
    cohorts_running_at_start = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class IdeaMeasures(models.Model):
    status = models.CharField(_("status"), max_length=20)
    follow_up = models.CharField(_("follow-up"), max_length=20, blank=True)
    ideas = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class HeadquartersMeasures(models.Model):
    responsible = _ref("centres.Partner", _("responsible organisation"))
    status = models.CharField(_("status"), max_length=20, blank=True)
    resolutions = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    progress_sum = models.PositiveBigIntegerField(default=0)
    meetings = models.PositiveIntegerField(default=0)
    meeting_hours = models.DecimalField(max_digits=12, decimal_places=1, default=0)

    class Meta:
        abstract = True


class TrainingSummary(PlacedSummary, TrainingMeasures):
    """Training, outcomes and sales per Jalali month, centre, resident's neighbourhood,
    programme, gender and age band (age at the event). Measures a source does not have
    stay 0; dimensions it does not have are NULL (a sale has no gender)."""

    class Meta:
        app_label = "empowerment"
        verbose_name = _("training summary")
        verbose_name_plural = _("training summaries")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["period"], name="trainsum_period"),
            models.Index(fields=["city", "period"], name="trainsum_city"),
            models.Index(fields=["province", "period"], name="trainsum_province"),
            models.Index(fields=["centre", "period"], name="trainsum_centre"),
        ]


class IdeaSummary(PlacedSummary, IdeaMeasures):
    """Ideas per month received, call, neighbourhood, status and follow-up."""

    call = _ref("programs.IdeaCall", _("call"))

    class Meta:
        app_label = "empowerment"
        verbose_name = _("idea summary")
        verbose_name_plural = _("idea summaries")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["period"], name="ideasum_period"),
            models.Index(fields=["city", "period"], name="ideasum_city"),
        ]


class HeadquartersSummarySet(ScopedQuerySet):
    # The same paths as a resolution's body (a centre or a headquarters).
    scope_paths = {
        "headquarters": ("headquarters", "headquarters__parent"),
        "centre": ("centre", "headquarters__centre"),
        "city": "city",
        "province": "province",
        "partner": "responsible",
    }


class HeadquartersSummary(HeadquartersMeasures):
    """Resolutions (by the month of their meeting) per body, responsible organisation and
    status, and opportunity-finding meeting hours per body and month. `overdue` and
    `days_overdue` are as of the refresh (the page says when that was)."""

    period = models.PositiveIntegerField(_("Jalali month"))
    province = _ref("centres.Province", _("province"))
    city = _ref("centres.City", _("city"))
    centre = _ref("centres.Centre", _("centre"))
    headquarters = _ref("centres.Headquarters", _("headquarters"))

    objects = models.Manager.from_queryset(HeadquartersSummarySet)()

    class Meta:
        app_label = "empowerment"
        verbose_name = _("headquarters summary")
        verbose_name_plural = _("headquarters summaries")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["period"], name="hqsum_period"),
            models.Index(fields=["city", "period"], name="hqsum_city"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.period}"


class Level(models.TextChoices):
    """The grain of a rollup row (see `Rollup`)."""

    COUNTRY = "country", _("country")
    PROVINCE = "province", _("province")
    NEIGHBOURHOOD = "neighbourhood", _("neighbourhood")


class RollupQuerySet(ScopedQuerySet):
    """Rollup rows carry no place finer than a province, so only two kinds of people may
    read them: those who see everything, and those whose scope is provinces and nothing
    else (rows of their provinces). Anyone else (a city, a centre, a headquarters, a
    partner, or a province plus any of these) gets no row here: the selectors send them to
    the fine tables (`rollup_covers`)."""

    scope_paths = {"province": "province"}

    def visible_to(self, user) -> ScopedQuerySet:
        scope = user if isinstance(user, Scope) else scope_for(user)
        if not rollup_covers(scope):
            return self.none()
        return super().visible_to(scope)

    def at(self, level: str) -> ScopedQuerySet:
        return self.filter(level=level)


def rollup_covers(scope: Scope) -> bool:
    """Whether the rollups hold everything `scope` may see and nothing more."""
    if scope.is_global:
        return True
    finer = ("centre", "headquarters", "partner", "city")
    return bool(scope.province) and not any(scope.ids(kind) for kind in finer)


class Rollup(models.Model):
    """A second, coarser level of a summary table, built from it in the same refresh.

    `level` says which columns a row is keyed by: `country` rows have no place (the whole
    country: read by people who see everything, with no province chosen), `province` rows
    a province, `neighbourhood` rows a province and a neighbourhood. Every read must name
    its level (`objects.at(level)`): the levels overlap, summing two would count twice.
    """

    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    period = models.PositiveIntegerField(_("Jalali month"))
    province = _ref("centres.Province", _("province"))

    objects = models.Manager.from_queryset(RollupQuerySet)()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.level} {self.period}"


class TrainingRollup(Rollup, TrainingMeasures):
    """`TrainingSummary` per country or province (and per neighbourhood, for the busiest
    neighbourhoods), programme, gender, age band and month."""

    neighbourhood = _ref("centres.Neighbourhood", _("neighbourhood"))

    class Meta:
        app_label = "empowerment"
        verbose_name = _("training rollup")
        verbose_name_plural = _("training rollups")
        default_permissions = ()
        indexes = [
            models.Index(fields=["level", "period"], name="trainroll_level"),
            models.Index(fields=["level", "province", "period"], name="trainroll_province"),
        ]


class IdeaRollup(Rollup, IdeaMeasures):
    """`IdeaSummary` per country or province, status and follow-up, and month."""

    class Meta:
        app_label = "empowerment"
        verbose_name = _("idea rollup")
        verbose_name_plural = _("idea rollups")
        default_permissions = ()
        indexes = [
            models.Index(fields=["level", "period"], name="idearoll_level"),
            models.Index(fields=["level", "province", "period"], name="idearoll_province"),
        ]


class HeadquartersRollup(Rollup, HeadquartersMeasures):
    """`HeadquartersSummary` per country or province, responsible organisation, status
    and month. A national headquarters has no province: its province rows have none, and
    only people who see everything read them (through the country rows)."""

    class Meta:
        app_label = "empowerment"
        verbose_name = _("headquarters rollup")
        verbose_name_plural = _("headquarters rollups")
        default_permissions = ()
        indexes = [
            models.Index(fields=["level", "period"], name="hqroll_level"),
            models.Index(fields=["level", "province", "period"], name="hqroll_province"),
        ]


class IndicatorSummaryQuerySet(ScopedQuerySet):
    # The scope of `Indicator`, on the place columns copied onto each row.
    scope_paths = {
        "province": "province",
        "city": "city",
        "centre": ("neighbourhood__centres", "district__centres"),
    }

    def by_district(self) -> models.QuerySet:
        """One row per district and period: its population and neighbourhoods, and for
        each figure the population-weighted sum and the population it weighs (`<name>_sum`,
        `<name>_weight`), so that averages over several districts combine exactly."""
        weighted = {}
        for name in WEIGHTED_INDICATORS:
            known = Q(**{f"{name}__isnull": False, "population__isnull": False})
            weighted[f"{name}_sum"] = Sum(
                ExpressionWrapper(
                    F("population") * F(name),
                    output_field=models.DecimalField(max_digits=20, decimal_places=4),
                ),
                filter=known,
            )
            weighted[f"{name}_weight"] = Sum("population", filter=known)
        return self.values(
            "year",
            "quarter",
            "province_id",
            "city_id",
            "district_id",
            "city_name",
            "district_number",
            "district_name",
        ).annotate(
            population_total=Sum("population"),
            neighbourhoods=Count("pk"),
            last_updated=Max("updated_at"),
            **weighted,
        )


class IndicatorPlace(models.Model):
    """A row of the indicator summaries: a district (and neighbourhood) in a period, with
    the names the page sorts and labels by copied on, so that a page of rows is read in
    order from an index without a join."""

    year = models.PositiveSmallIntegerField(_("Jalali year"))
    # 0 for the whole year, 1-4 for a quarter: one row per period a page can ask for.
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    province = _ref("centres.Province", _("province"))
    city = _ref("centres.City", _("city"))
    district = _ref("centres.District", _("district"))
    city_name = models.CharField(_("city"), max_length=100)
    district_number = models.PositiveSmallIntegerField(_("district number"))
    district_name = models.CharField(_("district name"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.year}/{self.quarter}"


class IndicatorSummary(IndicatorPlace, IndicatorFigures):
    """Each neighbourhood's figures for each period, as the neighbourhoods dashboard shows
    them: for a year, its yearly figures or else its latest quarter's; for a quarter, that
    quarter's or else the year's (`figure_quarter` says which: NULL for the yearly ones)."""

    neighbourhood = _ref("centres.Neighbourhood", _("neighbourhood"))
    neighbourhood_name = models.CharField(_("neighbourhood"), max_length=100)
    figure_quarter = models.PositiveSmallIntegerField(_("figures of quarter"), null=True)
    updated_at = models.DateTimeField(_("last changed"))

    objects = models.Manager.from_queryset(IndicatorSummaryQuerySet)()

    class Meta:
        app_label = "empowerment"
        verbose_name = _("indicator summary")
        verbose_name_plural = _("indicator summaries")
        default_permissions = ()
        indexes = [
            # The page's order: the first rows of a period are read straight from it.
            models.Index(
                fields=[
                    "year",
                    "quarter",
                    "city_name",
                    "district_number",
                    "neighbourhood_name",
                    "neighbourhood",
                ],
                name="indsum_order",
            ),
            models.Index(fields=["city", "year", "quarter"], name="indsum_city"),
            models.Index(fields=["province", "year", "quarter"], name="indsum_province"),
        ]


class IndicatorDistrictQuerySet(ScopedQuerySet):
    scope_paths = {"province": "province", "city": "city"}

    def visible_to(self, user) -> ScopedQuerySet:
        # A district row sums all its neighbourhoods, so it may only be read by someone who
        # sees whole districts: a centre sees the neighbourhoods it serves, perhaps a part of
        # a district, and is given no row here (the selectors sum `IndicatorSummary`).
        scope = user if isinstance(user, Scope) else scope_for(user)
        if not indicator_districts_cover(scope):
            return self.none()
        return super().visible_to(scope)


def indicator_districts_cover(scope: Scope) -> bool:
    """Whether `IndicatorDistrictSummary` holds every district row `scope` may see whole."""
    return scope.is_global or not scope.ids("centre")


class IndicatorDistrictSummary(IndicatorPlace):
    """`IndicatorSummary` summed per district and period (`by_district`), in the same
    refresh: a country has hundreds of districts, and the page shows the first few."""

    population_total = models.PositiveBigIntegerField(_("population"), null=True)
    neighbourhoods = models.PositiveIntegerField(_("neighbourhoods"))
    last_updated = models.DateTimeField(_("last changed"))

    objects = models.Manager.from_queryset(IndicatorDistrictQuerySet)()

    class Meta:
        app_label = "empowerment"
        verbose_name = _("district indicator summary")
        verbose_name_plural = _("district indicator summaries")
        default_permissions = ()
        indexes = [
            models.Index(
                fields=["year", "quarter", "city_name", "district_number", "district"],
                name="inddist_order",
            ),
            models.Index(fields=["city", "year", "quarter"], name="inddist_city"),
            models.Index(fields=["province", "year", "quarter"], name="inddist_province"),
        ]


# Averaged over a district weighted by population: a share of a large neighbourhood counts
# for more people than that of a small one.
WEIGHTED_INDICATORS = (*IndicatorFigures.SHARE_FIELDS, *IndicatorFigures.PROBLEM_FIELDS)
for _name in WEIGHTED_INDICATORS:
    IndicatorDistrictSummary.add_to_class(
        f"{_name}_sum", models.DecimalField(max_digits=20, decimal_places=4, null=True)
    )
    IndicatorDistrictSummary.add_to_class(f"{_name}_weight", models.BigIntegerField(null=True))


class JalaliDay(models.Model):
    """The Jalali calendar as a table: each Gregorian day with its Jalali year, month and
    day. The refresh joins dates to it to count by Jalali month in plain SQL, on SQLite and
    PostgreSQL alike; a Gregorian month (`TruncMonth`) would straddle two Jalali months."""

    date = models.DateField(primary_key=True)
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    day = models.PositiveSmallIntegerField()
    period = models.PositiveIntegerField(db_index=True)  # year * 100 + month

    class Meta:
        app_label = "empowerment"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.year}/{self.month:02d}/{self.day:02d}"


class SummaryChange(models.Model):
    """The outbox of the incremental refresh: a mark that the summary cells of a centre
    and Jalali month (`kind` training) changed, or that a whole smaller summary must be
    rebuilt (`kind` ideas, headquarters, indicators; `all` for a change of geography).

    Written by PostgreSQL triggers on the source tables (`empowerment.dashboards.outbox`),
    so every write path (admin, API, imports, tasks, bulk updates, raw SQL) leaves one;
    read and deleted by `summaries_refresh`."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16)
    centre_id = models.IntegerField(null=True)
    period = models.IntegerField(null=True)

    class Meta:
        app_label = "empowerment"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.kind} {self.centre_id} {self.period}"


class SummaryState(models.Model):
    """One row: when the summaries were last rebuilt (and the lock a rebuild takes)."""

    refreshed_at = models.DateTimeField(null=True)
    duration_ms = models.PositiveIntegerField(default=0)
    # When the last full rebuild ran, and whether the last refresh was one.
    rebuilt_at = models.DateTimeField(null=True)
    full = models.BooleanField(default=True)

    class Meta:
        app_label = "empowerment"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.refreshed_at}"
