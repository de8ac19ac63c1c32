"""Reads behind the dashboards: scoped aggregate queries, never a query per row.

Every selector starts from `visible_to(user)` and then applies the filters, so a filter can
only narrow what the user may see.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum

from centres.models import Indicator

from .filters import DashboardFilterForm

INDICATOR_PATHS = {
    "province": "neighbourhood__district__city__province",
    "city": "neighbourhood__district__city",
    "district": "neighbourhood__district",
    "neighbourhood": "neighbourhood",
    "centre": ("neighbourhood__centres", "neighbourhood__district__centres"),
}
# A country has hundreds of districts and thousands of neighbourhoods: the page shows the
# first ones (a city or district narrows the list), an export all of them.
DISTRICT_ROWS = 30
NEIGHBOURHOOD_ROWS = 50
# Averaged over a district weighted by population: a share of a large neighbourhood
# counts for more people than that of a small one.
WEIGHTED_FIELDS = (*Indicator.SHARE_FIELDS, *Indicator.PROBLEM_FIELDS)


def _indicators(*, user, filters: DashboardFilterForm):
    period = filters.period
    return Indicator.objects.visible_to(user).for_period(period.year, period.quarter)


def latest_indicator_year(*, user) -> int | None:
    return Indicator.objects.visible_to(user).aggregate(year=Max("year"))["year"]


def neighbourhood_indicators(
    *, user, filters: DashboardFilterForm, limit: int | None = NEIGHBOURHOOD_ROWS
) -> list[dict]:
    """Each neighbourhood's figures for the period (its most specific ones), one query: the
    first `limit` in the order of city, district and name (all with `limit=None`)."""
    rows = (
        filters.restrict(_indicators(user=user, filters=filters), INDICATOR_PATHS)
        .order_by(
            "neighbourhood__district__city__name",
            "neighbourhood__district__number",
            "neighbourhood__name",
            "neighbourhood_id",
        )
        .values(
            "neighbourhood_id",
            "year",
            "quarter",
            "population",
            "updated_at",
            *WEIGHTED_FIELDS,
            neighbourhood_name=F("neighbourhood__name"),
            district_id=F("neighbourhood__district_id"),
            district_number=F("neighbourhood__district__number"),
            district_name=F("neighbourhood__district__name"),
            city_name=F("neighbourhood__district__city__name"),
        )
    )
    return list(rows if limit is None else rows[:limit])


def district_indicators(
    *, user, filters: DashboardFilterForm, limit: int | None = DISTRICT_ROWS
) -> list[dict]:
    """Per district: population and population-weighted averages, one aggregate query; the
    first `limit` in the order of city and number (all with `limit=None`).

    The district and neighbourhood chosen do not narrow this comparison (the point is to
    set a district beside the others); province, city and centre do, and a district chosen
    keeps its city's districts (the rest of the city it is compared with). Each row keeps the
    weighted sums (`<field>_sum`, `<field>_weight`) so that totals over several districts
    can be combined exactly (`combine_weighted`).
    """
    weighted = {}
    for name in WEIGHTED_FIELDS:
        known = Q(**{f"{name}__isnull": False, "population__isnull": False})
        weighted[f"{name}_sum"] = Sum(
            ExpressionWrapper(
                F("population") * F(name),
                output_field=DecimalField(max_digits=20, decimal_places=4),
            ),
            filter=known,
        )
        weighted[f"{name}_weight"] = Sum("population", filter=known)
    indicators = filters.restrict(
        _indicators(user=user, filters=filters),
        INDICATOR_PATHS,
        only=("province", "city", "centre"),
    )
    district = filters.selection.get("district")
    if district is not None and "city" not in filters.selection:
        indicators = indicators.filter(
            neighbourhood__district__city=filters.district_city[district]
        )
    rows = (
        indicators.values(
            district_id=F("neighbourhood__district_id"),
            district_number=F("neighbourhood__district__number"),
            district_name=F("neighbourhood__district__name"),
            city_id=F("neighbourhood__district__city_id"),
            city_name=F("neighbourhood__district__city__name"),
        )
        .annotate(
            # Not named "population": that would shadow the field in the sums below.
            population_total=Sum("population"),
            neighbourhoods=Count("pk"),
            last_updated=Max("updated_at"),
            **weighted,
        )
        .order_by("city_name", "district_number", "district_id")
    )
    if limit is not None:
        rows = rows[:limit]
    return [{**row, **combine_weighted([row])} for row in rows]


def combine_weighted(rows: list[dict]) -> dict:
    """The weighted averages (and population) over the given district rows."""
    combined: dict = {"population": sum(r["population_total"] or 0 for r in rows) or None}
    for name in WEIGHTED_FIELDS:
        total = sum((Decimal(r[f"{name}_sum"] or 0) for r in rows), Decimal(0))
        weight = sum(r[f"{name}_weight"] or 0 for r in rows)
        combined[name] = (total / weight) if weight else None
    return combined
