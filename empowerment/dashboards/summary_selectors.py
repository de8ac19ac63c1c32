"""Reads of the summary tables: each figure one aggregate query over the cells the filters
select, so a page costs the same with ten thousand trainees as with a million.

Every read starts from `visible_to(user)`; the filters only narrow it.

Two grains: the fine summary tables (a cell per centre and neighbourhood) and their
rollups (a cell per province, or for the whole country). A page whose filters stop at a
province (no city, district, neighbourhood or centre chosen) reads the rollups, when the
user sees everything or provinces only (`rollup_level`); otherwise the fine tables, whose
rows carry every place scope and filters need. Both give the same figures; the rollups
have a few thousand rows whatever the number of centres, where the fine tables of a
country grow with its centres.

Lists that grow with the country (calls, centres, neighbourhoods) are the top `LIST_ROWS`
or `NEIGHBOURHOOD_ROWS` in SQL (`ORDER BY ... LIMIT`); an export asks for all
(`limit=None`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import DecimalField, F, IntegerField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from centres.models import Centre, Commitment, Resolution
from centres.scope import scope_for
from empowerment.dashboards.filters import DashboardFilterForm
from empowerment.dashboards.models import (
    HeadquartersRollup,
    HeadquartersSummary,
    IdeaRollup,
    IdeaSummary,
    Level,
    SummaryState,
    TrainingRollup,
    TrainingSummary,
    period_span,
    rollup_covers,
)
from empowerment.dashboards.summaries import SPAN_MEASURES, TRAINING_MEASURES
from empowerment.kernel.jalali import local_today
from programs.models import Idea

NEIGHBOURHOOD_ROWS = 20  # the neighbourhoods figure shows the busiest; a district narrows it
LIST_ROWS = 25
ROLLUP_OF = {
    TrainingSummary: TrainingRollup,
    IdeaSummary: IdeaRollup,
    HeadquartersSummary: HeadquartersRollup,
}
FINER_THAN_PROVINCE = ("city", "district", "neighbourhood", "centre")


def rollup_level(user, filters: DashboardFilterForm | None = None) -> str | None:
    """The rollup level that answers these filters for this user, or None: the fine tables.

    Only people whose scope the rollups cover (everything, or provinces only), and only
    when no place finer than a province is chosen. The whole country's rows only for those
    who see everything and chose no province.
    """
    chosen = filters.selection if filters is not None else {}
    if any(kind in chosen for kind in FINER_THAN_PROVINCE):
        return None
    scope = scope_for(user)
    if not rollup_covers(scope):
        return None
    if scope.is_global and "province" not in chosen:
        return Level.COUNTRY
    return Level.PROVINCE


def _limited(rows: QuerySet, limit: int | None) -> list[dict]:
    return list(rows if limit is None else rows[:limit])


def summary_state() -> SummaryState | None:
    return SummaryState.objects.filter(pk=1).first()


def _span(filters: DashboardFilterForm) -> int:
    """The `period` of the rows that count the people in training in the whole period."""
    return period_span(filters.period.year, filters.period.quarter)


def _in_period(filters: DashboardFilterForm) -> Q:
    """The month rows of the period, and the row of its span (in training: a distinct
    count, read from that row alone, never summed over the months)."""
    first, last = _period_range(filters)
    return Q(period__gte=first, period__lte=last) | Q(period=_span(filters))


def _months_only(filters: DashboardFilterForm) -> Q:
    first, last = _period_range(filters)
    return Q(period__gte=first, period__lte=last)


def _period_range(filters: DashboardFilterForm) -> tuple[int, int]:
    period = filters.period
    if period.quarter is None:
        return period.year * 100 + 1, period.year * 100 + 12
    first = (period.quarter - 1) * 3 + 1
    return period.year * 100 + first, period.year * 100 + first + 2


def _centres_serving(*, district: int | None = None, neighbourhood: int | None = None):
    """Ids of centres serving a district or neighbourhood (a subquery, not a round trip)."""
    if district is not None:
        condition = Q(districts=district) | Q(neighbourhoods__district=district)
    else:
        condition = Q(neighbourhoods=neighbourhood) | Q(districts__neighbourhoods=neighbourhood)
    return Centre.objects.filter(condition).values("pk")


def _place_filter(filters: DashboardFilterForm, *, residents: bool = True) -> Q:
    """The geography and programme chosen, as a condition on a summary table.

    A resident's row belongs to the district and neighbourhood they live in; a centre's
    own row (a cohort, a sale: no neighbourhood) to the districts the centre serves.
    """
    chosen = filters.selection
    condition = Q()
    for kind in ("province", "city", "programme"):
        if kind in chosen:
            condition &= Q(**{kind: chosen[kind]})
    if "centre" in chosen:
        condition &= Q(centre=chosen["centre"])
    for kind in ("district", "neighbourhood"):
        if kind in chosen:
            serving = _centres_serving(**{kind: chosen[kind]})
            place = Q(**{kind: chosen[kind]}) if residents else Q(pk__in=[])
            condition &= place | Q(neighbourhood__isnull=True, centre__in=serving)
    return condition


def latest_period(model, *, user, condition: Q | None = None) -> int | None:
    """The latest month with figures the user may see (the year a page opens on)."""
    level = rollup_level(user)
    if level is not None:
        rows = ROLLUP_OF[model].objects.visible_to(user).at(level)
    else:
        rows = model.objects.visible_to(user)
    if condition is not None:
        rows = rows.filter(condition)
    return rows.aggregate(latest=Max("period"))["latest"]


DECIMAL_MEASURES = {"meeting_hours"}


def _sums(*names: str, span: int | None = None) -> dict:
    """Sum of each measure, 0 (not NULL) where no cell matched. With `span`, the people in
    training are read from the rows of that span only (the others are months)."""
    return {
        name: Coalesce(
            Sum(name, filter=Q(period=span))
            if span is not None and name in SPAN_MEASURES
            else Sum(name),
            Value(Decimal(0)) if name in DECIMAL_MEASURES else Value(0),
            output_field=DecimalField() if name in DECIMAL_MEASURES else IntegerField(),
        )
        for name in names
    }


# --- Overview ------------------------------------------------------------------------------


def _rollup_filter(filters: DashboardFilterForm, *, programme: bool = True) -> Q:
    """The province and programme chosen, on a rollup (nothing finer is chosen there)."""
    chosen = filters.selection
    condition = _in_period(filters)
    if "province" in chosen:
        condition &= Q(province=chosen["province"])
    if programme and "programme" in chosen:
        condition &= Q(programme=chosen["programme"])
    return condition


def _training(*, user, filters: DashboardFilterForm, by_neighbourhood: bool = False) -> QuerySet:
    level = rollup_level(user, filters)
    if level is not None:
        if by_neighbourhood:
            level = Level.NEIGHBOURHOOD  # keyed by province too: scope and filter apply
        return TrainingRollup.objects.visible_to(user).at(level).filter(_rollup_filter(filters))
    return TrainingSummary.objects.visible_to(user).filter(
        _place_filter(filters), _in_period(filters)
    )


def training_by_person(*, user, filters: DashboardFilterForm) -> list[dict]:
    """Per gender and age band: every measure (one query; totals are the sum of the rows)."""
    return list(
        _training(user=user, filters=filters)
        .values("gender", "age_band")
        .annotate(**_sums(*TRAINING_MEASURES, span=_span(filters)))
        .order_by("gender", "age_band")
    )


def training_by_month(*, user, filters: DashboardFilterForm) -> list[dict]:
    """Per Jalali month of the period, every measure of that month."""
    return list(
        _training(user=user, filters=filters)
        .filter(_months_only(filters))
        .values("period")
        .annotate(**_sums(*TRAINING_MEASURES))
        .order_by("period")
    )


def training_by_neighbourhood(
    *, user, filters: DashboardFilterForm, limit: int | None = NEIGHBOURHOOD_ROWS
) -> list[dict]:
    """The neighbourhoods with the most trainees (completed and in training), busiest first."""
    return _limited(
        _training(user=user, filters=filters, by_neighbourhood=True)
        .filter(neighbourhood__isnull=False)
        .values("neighbourhood", name=F("neighbourhood__name"))
        .annotate(
            **_sums(
                "completed",
                "in_training",
                "employed",
                "home_business",
                "employers",
                span=_span(filters),
            )
        )
        .annotate(busy=F("completed") + F("in_training"))
        .order_by("-busy", "name", "neighbourhood"),
        limit,
    )


def training_by_programme(*, user, filters: DashboardFilterForm) -> list[dict]:
    return list(
        _training(user=user, filters=filters)
        .filter(programme__isnull=False)
        .values("programme", name=F("programme__title"))
        .annotate(**_sums(*TRAINING_MEASURES, span=_span(filters)))
        .order_by("name")
    )


# --- Calls for ideas -----------------------------------------------------------------------


def _ideas(*, user, filters: DashboardFilterForm) -> QuerySet:
    first, last = _period_range(filters)
    return IdeaSummary.objects.visible_to(user).filter(
        _place_filter(filters), period__gte=first, period__lte=last
    )


def _idea_stages() -> dict:
    status, follow = Idea.Status, Idea.FollowUp
    stages = {
        "received": Sum("ideas"),
        "under_review": Sum(
            "ideas",
            filter=Q(status__in=[status.SUBMITTED, status.SCREENING, status.UNDER_REVIEW]),
        ),
        "accepted": Sum("ideas", filter=Q(status=status.ACCEPTED)),
        "rejected": Sum("ideas", filter=Q(status=status.REJECTED)),
        "incubated": Sum("ideas", filter=Q(follow_up=follow.INCUBATED)),
        "business_opened": Sum("ideas", filter=Q(follow_up=follow.BUSINESS_OPENED)),
    }
    return {name: Coalesce(aggregate, 0) for name, aggregate in stages.items()}


def idea_totals(*, user, filters: DashboardFilterForm) -> dict:
    """Every stage over all the calls the filters select (one aggregate row)."""
    level = rollup_level(user, filters)
    if level is not None:
        rows = IdeaRollup.objects.visible_to(user).at(level).filter(_rollup_filter(filters))
    else:
        rows = _ideas(user=user, filters=filters)
    return rows.aggregate(**_idea_stages())


def ideas_by_call(
    *, user, filters: DashboardFilterForm, limit: int | None = LIST_ROWS
) -> list[dict]:
    """The calls that received the most ideas first (every call with `limit=None`)."""
    return _limited(
        _ideas(user=user, filters=filters)
        .values("call", name=F("call__title"), centre_name=F("centre__name"))
        .annotate(**_idea_stages())
        .order_by("-received", "name", "call"),
        limit,
    )


def ideas_by_neighbourhood(
    *, user, filters: DashboardFilterForm, limit: int | None = NEIGHBOURHOOD_ROWS
) -> list[dict]:
    return _limited(
        _ideas(user=user, filters=filters)
        .values("neighbourhood", name=F("neighbourhood__name"))
        .annotate(**_idea_stages())
        .order_by("-received", "name", "neighbourhood"),
        limit,
    )


# --- Headquarters --------------------------------------------------------------------------


def _hq_place_filter(filters: DashboardFilterForm) -> Q:
    chosen = filters.selection
    condition = Q()
    for kind in ("province", "city"):
        if kind in chosen:
            condition &= Q(**{kind: chosen[kind]})
    if "centre" in chosen:
        condition &= Q(centre=chosen["centre"]) | Q(headquarters__centre=chosen["centre"])
    if "district" in chosen:
        condition &= Q(centre__in=_centres_serving(district=chosen["district"])) | Q(
            headquarters__neighbourhood__district=chosen["district"]
        )
    if "neighbourhood" in chosen:
        condition &= Q(centre__in=_centres_serving(neighbourhood=chosen["neighbourhood"])) | Q(
            headquarters__neighbourhood=chosen["neighbourhood"]
        )
    return condition


def _hq(*, user, filters: DashboardFilterForm) -> QuerySet:
    first, last = _period_range(filters)
    return HeadquartersSummary.objects.visible_to(user).filter(
        _hq_place_filter(filters), period__gte=first, period__lte=last
    )


def resolutions_by_responsible(*, user, filters: DashboardFilterForm) -> list[dict]:
    """Per responsible organisation: resolutions by status, overdue and mean progress.
    The per-status totals are the sums of these rows."""
    status = Resolution.Status
    level = rollup_level(user, filters)
    if level is not None:
        rows = HeadquartersRollup.objects.visible_to(user).at(level)
        rows = rows.filter(_rollup_filter(filters, programme=False))
    else:
        rows = _hq(user=user, filters=filters)
    return list(
        rows.filter(resolutions__gt=0)
        .values("responsible", name=F("responsible__name"))
        .annotate(
            total=Sum("resolutions"),
            **{
                s.value: Coalesce(Sum("resolutions", filter=Q(status=s.value)), 0)
                for s in (status.OPEN, status.IN_PROGRESS, status.DONE, status.CANCELLED)
            },
            overdue=Sum("overdue"),
            progress_sum=Sum("progress_sum"),
        )
        .order_by("-overdue", "-total", "name", "responsible")
    )


def meeting_hours_by_centre(
    *, user, filters: DashboardFilterForm, limit: int | None = LIST_ROWS
) -> list[dict]:
    """The centres with the most hours of opportunity-finding meetings first."""
    return _limited(
        _hq(user=user, filters=filters)
        .filter(meetings__gt=0, centre__isnull=False)
        .values("centre", name=F("centre__name"))
        .annotate(hours=Sum("meeting_hours"), meetings=Sum("meetings"))
        .order_by("-hours", "name", "centre"),
        limit,
    )


RESOLUTION_PATHS = {
    "province": ("meeting__centre__city__province", "meeting__headquarters__province"),
    "city": ("meeting__centre__city", "meeting__headquarters__city"),
    "district": ("meeting__centre__districts", "meeting__headquarters__neighbourhood__district"),
    "neighbourhood": ("meeting__centre__neighbourhoods", "meeting__headquarters__neighbourhood"),
    "centre": ("meeting__centre", "meeting__headquarters__centre"),
}
COMMITMENT_PATHS = {
    "province": "neighbourhood__district__city__province",
    "city": "neighbourhood__district__city",
    "district": "neighbourhood__district",
    "neighbourhood": "neighbourhood",
    "centre": ("neighbourhood__centres", "neighbourhood__district__centres"),
}


def overdue_resolutions(
    *,
    user,
    filters: DashboardFilterForm,
    today: datetime.date | None = None,
    limit: int | None = LIST_ROWS,
) -> list[Resolution]:
    """The resolutions overdue today, longest overdue first (whatever the period: what is
    late now is late now). One query, at most `limit` rows."""
    today = today or local_today()
    rows = filters.restrict(
        Resolution.objects.visible_to(user).overdue(today), RESOLUTION_PATHS
    ).order_by("deadline", "pk")
    if limit is not None:
        # The first `limit` ids in a subquery, then their meetings and organisations: the
        # database joins `limit` rows, not every overdue resolution of the country.
        rows = Resolution.objects.filter(pk__in=rows.values("pk")[:limit]).order_by(
            "deadline", "pk"
        )
    return list(rows.select_related("meeting__centre", "meeting__headquarters", "responsible"))


def commitments_due(
    *,
    user,
    filters: DashboardFilterForm,
    today: datetime.date | None = None,
    limit: int | None = LIST_ROWS,
) -> list[Commitment]:
    """Commitments due in the period, and older ones still pending: overdue first."""
    today = today or local_today()
    period = filters.period
    pending = Q(status__in=[Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS])
    rows = (
        filters.restrict(
            Commitment.objects.visible_to(user).with_overdue(today),
            COMMITMENT_PATHS,
        )
        .filter(
            Q(due_date__gte=period.start, due_date__lt=period.end)
            | Q(pending, due_date__lt=period.start)
        )
        .select_related("neighbourhood")
        .order_by(F("overdue_flag").desc(), "due_date", "pk")
    )
    return list(rows if limit is None else rows[:limit])
