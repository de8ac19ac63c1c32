"""Reads behind the dashboards: scoped aggregate queries, never a query per row.

Every selector starts from `visible_to(user)` and then applies the filters, so a filter can
only narrow what the user may see.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max

from centres.scope import scope_for
from empowerment.dashboards.filters import DashboardFilterForm
from empowerment.dashboards.models import (
    WEIGHTED_INDICATORS,
    IndicatorDistrictSummary,
    IndicatorSummary,
    indicator_districts_cover,
)

INDICATOR_PATHS = {
    "province": "province",
    "city": "city",
    "district": "district",
    "neighbourhood": "neighbourhood",
    "centre": ("neighbourhood__centres", "district__centres"),
}
# A country has hundreds of districts and thousands of neighbourhoods: the page shows the
# first ones (a city or district narrows the list), an export all of them.
DISTRICT_ROWS = 30
NEIGHBOURHOOD_ROWS = 50


def _period(filters: DashboardFilterForm) -> dict:
    return {"year": filters.period.year, "quarter": filters.period.quarter or 0}


def latest_indicator_year(*, user) -> int | None:
    return IndicatorSummary.objects.visible_to(user).aggregate(year=Max("year"))["year"]


def neighbourhood_indicators(
    *, user, filters: DashboardFilterForm, limit: int | None = NEIGHBOURHOOD_ROWS
) -> list[dict]:
    """Each neighbourhood's figures for the period (its most specific ones), one query: the
    first `limit` in the order of city, district and name (all with `limit=None`)."""
    rows = (
        filters.restrict(
            IndicatorSummary.objects.visible_to(user).filter(**_period(filters)),
            INDICATOR_PATHS,
        )
        .order_by("city_name", "district_number", "neighbourhood_name", "neighbourhood_id")
        .values(
            "neighbourhood_id",
            "neighbourhood_name",
            "year",
            "population",
            "updated_at",
            "district_id",
            "district_number",
            "district_name",
            "city_name",
            "figure_quarter",
            *WEIGHTED_INDICATORS,
        )
    )
    return list(rows if limit is None else rows[:limit])


def district_indicators(
    *, user, filters: DashboardFilterForm, limit: int | None = DISTRICT_ROWS
) -> list[dict]:
    """Per district: population and population-weighted averages, one query; the first
    `limit` in the order of city and number (all with `limit=None`).

    The district and neighbourhood chosen do not narrow this comparison (the point is to
    set a district beside the others); province, city and centre do, and a district chosen
    keeps its city's districts (the rest of the city it is compared with). Each row keeps the
    weighted sums (`<field>_sum`, `<field>_weight`) so that totals over several districts
    can be combined exactly (`combine_weighted`).

    Read from the per-district summary when the person sees whole districts and no centre
    is chosen; else summed here from the neighbourhoods they see (a centre's are few).
    """
    whole = indicator_districts_cover(scope_for(user)) and "centre" not in filters.selection
    if whole:
        rows = IndicatorDistrictSummary.objects.visible_to(user).filter(**_period(filters))
    else:
        rows = IndicatorSummary.objects.visible_to(user).filter(**_period(filters))
    rows = filters.restrict(rows, INDICATOR_PATHS, only=("province", "city", "centre"))
    district = filters.selection.get("district")
    if district is not None and "city" not in filters.selection:
        rows = rows.filter(city=filters.district_city[district])
    if not whole:
        rows = rows.by_district()
    rows = rows.order_by("city_name", "district_number", "district_id").values(
        "district_id",
        "district_number",
        "district_name",
        "city_id",
        "city_name",
        "population_total",
        "neighbourhoods",
        "last_updated",
        *(f"{name}_{part}" for name in WEIGHTED_INDICATORS for part in ("sum", "weight")),
    )
    if limit is not None:
        rows = rows[:limit]
    return [{**row, **combine_weighted([row])} for row in rows]


def combine_weighted(rows: list[dict]) -> dict:
    """The weighted averages (and population) over the given district rows."""
    combined: dict = {"population": sum(r["population_total"] or 0 for r in rows) or None}
    for name in WEIGHTED_INDICATORS:
        total = sum((Decimal(r[f"{name}_sum"] or 0) for r in rows), Decimal(0))
        weight = sum(r[f"{name}_weight"] or 0 for r in rows)
        combined[name] = (total / weight) if weight else None
    return combined
