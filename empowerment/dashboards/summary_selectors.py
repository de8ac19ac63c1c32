"""Reads of the summary tables: each figure one aggregate query over the cells the filters
select, so a page costs the same with ten thousand trainees as with a million.

Every read starts from `visible_to(user)`; the filters only narrow it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import DecimalField, F, IntegerField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from centres.models import Centre, Commitment, Resolution, local_today

from .filters import DashboardFilterForm
from .models import HeadquartersSummary, IdeaSummary, SummaryState, TrainingSummary
from .summaries import TRAINING_MEASURES

NEIGHBOURHOOD_ROWS = 20  # the neighbourhoods figure shows the busiest; a district narrows it
LIST_ROWS = 25


def summary_state() -> SummaryState | None:
    return SummaryState.objects.filter(pk=1).first()


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
    rows = model.objects.visible_to(user)
    if condition is not None:
        rows = rows.filter(condition)
    return rows.aggregate(latest=Max("period"))["latest"]


DECIMAL_MEASURES = {"attendance_sum", "meeting_hours"}


def _sums(*names: str) -> dict:
    """Sum of each measure, 0 (not NULL) where no cell matched."""
    return {
        name: Coalesce(
            Sum(name),
            Value(Decimal(0)) if name in DECIMAL_MEASURES else Value(0),
            output_field=DecimalField() if name in DECIMAL_MEASURES else IntegerField(),
        )
        for name in names
    }


# --- Overview ------------------------------------------------------------------------------


def _training(*, user, filters: DashboardFilterForm) -> QuerySet:
    first, last = _period_range(filters)
    return TrainingSummary.objects.visible_to(user).filter(
        _place_filter(filters), period__gte=first, period__lte=last
    )


def training_by_person(*, user, filters: DashboardFilterForm) -> list[dict]:
    """Per gender and age band: every measure (one query; totals are the sum of the rows)."""
    return list(
        _training(user=user, filters=filters)
        .values("gender", "age_band")
        .annotate(**_sums(*TRAINING_MEASURES))
        .order_by("gender", "age_band")
    )


def training_by_month(*, user, filters: DashboardFilterForm) -> list[dict]:
    return list(
        _training(user=user, filters=filters)
        .values("period")
        .annotate(**_sums(*TRAINING_MEASURES))
        .order_by("period")
    )


def training_by_neighbourhood(*, user, filters: DashboardFilterForm) -> list[dict]:
    """The neighbourhoods with the most trainees (completed and in training), busiest first."""
    return list(
        _training(user=user, filters=filters)
        .filter(neighbourhood__isnull=False)
        .values("neighbourhood", name=F("neighbourhood__name"))
        .annotate(**_sums("completed", "in_training", "employed", "home_business", "employers"))
        .annotate(busy=F("completed") + F("in_training"))
        .order_by("-busy", "name")[:NEIGHBOURHOOD_ROWS]
    )


def training_by_programme(*, user, filters: DashboardFilterForm) -> list[dict]:
    return list(
        _training(user=user, filters=filters)
        .filter(programme__isnull=False)
        .values("programme", name=F("programme__title"))
        .annotate(**_sums(*TRAINING_MEASURES))
        .order_by("name")
    )


# --- Calls for ideas -----------------------------------------------------------------------


def _ideas(*, user, filters: DashboardFilterForm) -> QuerySet:
    first, last = _period_range(filters)
    return IdeaSummary.objects.visible_to(user).filter(
        _place_filter(filters), period__gte=first, period__lte=last
    )


def _idea_stages() -> dict:
    from programs.models import Idea

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


def ideas_by_call(*, user, filters: DashboardFilterForm) -> list[dict]:
    return list(
        _ideas(user=user, filters=filters)
        .values("call", name=F("call__title"), centre_name=F("centre__name"))
        .annotate(**_idea_stages())
        .order_by("-received", "name")
    )


def ideas_by_neighbourhood(*, user, filters: DashboardFilterForm) -> list[dict]:
    return list(
        _ideas(user=user, filters=filters)
        .values("neighbourhood", name=F("neighbourhood__name"))
        .annotate(**_idea_stages())
        .order_by("-received", "name")[:NEIGHBOURHOOD_ROWS]
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
    return list(
        _hq(user=user, filters=filters)
        .filter(resolutions__gt=0)
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
        .order_by("-overdue", "-total", "name")
    )


def meeting_hours_by_centre(*, user, filters: DashboardFilterForm) -> list[dict]:
    return list(
        _hq(user=user, filters=filters)
        .filter(meetings__gt=0, centre__isnull=False)
        .values("centre", name=F("centre__name"))
        .annotate(hours=Sum("meeting_hours"), meetings=Sum("meetings"))
        .order_by("-hours", "name")
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
    *, user, filters: DashboardFilterForm, today: datetime.date | None = None
) -> list[Resolution]:
    """The resolutions overdue today, longest overdue first (whatever the period: what is
    late now is late now). One query, at most `LIST_ROWS` rows."""
    today = today or local_today()
    rows = (
        filters.restrict(Resolution.objects.visible_to(user).overdue(today), RESOLUTION_PATHS)
        .select_related("meeting__centre", "meeting__headquarters", "responsible")
        .order_by("deadline", "pk")[:LIST_ROWS]
    )
    return list(rows)


def commitments_due(
    *, user, filters: DashboardFilterForm, today: datetime.date | None = None
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
        .order_by(F("overdue_flag").desc(), "due_date", "pk")[:LIST_ROWS]
    )
    return list(rows)
