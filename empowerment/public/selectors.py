"""Reads for the public pages: public figures and what a centre offers residents.

Nobody signs in on these pages, so nothing here is scoped; instead every read shows only
what is meant for the public (active centres, open calls and cohorts, aggregate counts),
and never a person's details. Each function is one query, whatever the number of rows.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from centres.models import (
    Article,
    Centre,
    Commitment,
    CommitmentComment,
    CommitmentMilestone,
    Headquarters,
    Neighbourhood,
    Resolution,
    TrackedStatus,
)
from empowerment.kernel import tracking
from empowerment.kernel.jalali import local_today
from programs.models import Idea, IdeaCall
from trainees.models import (
    CatalogueEntry,
    CohortInterest,
    CounsellingBooking,
    CounsellorAvailability,
    Enrolment,
    Product,
    Sale,
)
from trainees.selectors import cohorts_open_for_registration
from trainees.services import when_label as counselling_when

# Completed a cohort, with or without a certificate: what "trained" means on the home page.
TRAINED = (Enrolment.Status.CERTIFIED, Enrolment.Status.NOT_CERTIFIED)


def home_figures() -> dict[str, int]:
    """The home page's figures, all over active centres only (like the list beside them):
    centres, neighbourhoods served (and how many less-privileged), news articles, people
    who completed a cohort, products sold (units) and calls for ideas open today.
    """
    served = Neighbourhood.objects.filter(centres__is_active=True)
    return {
        "centres": Centre.objects.active().count(),
        **served.aggregate(
            neighbourhoods=Count("pk", distinct=True),
            less_privileged=Count("pk", filter=Q(is_less_privileged=True), distinct=True),
        ),
        "articles": Article.objects.published().count(),
        # A person who completed two cohorts is one person trained.
        "trainees_trained": Enrolment.objects.filter(
            status__in=TRAINED, cohort__centre__is_active=True
        ).aggregate(n=Count("trainee", distinct=True))["n"],
        "products_sold": Sale.objects.filter(product__cohort__centre__is_active=True).aggregate(
            n=Coalesce(Sum("quantity"), 0)
        )["n"],
        "open_calls": open_calls().count(),
    }


def open_calls(*, today: datetime.date | None = None) -> QuerySet:
    """Calls for ideas open today (Tehran's date) at active centres, closing soonest first."""
    return (
        IdeaCall.objects.open_on(today or local_today())
        .filter(centre__is_active=True)
        .select_related("centre__city__province")
        .order_by("closes_on", "title")
    )


def public_call(*, pk: int) -> IdeaCall | None:
    """A call of an active centre, open or not (a closed call's page says it is closed)."""
    return (
        IdeaCall.objects.filter(centre__is_active=True, pk=pk)
        .select_related("centre__city__province")
        .first()
    )


def centre_open_cohorts(*, centre: Centre) -> QuerySet:
    """The centre's cohorts open for registration, with `seats_left`, soonest first."""
    return (
        cohorts_open_for_registration()
        .filter(centre=centre)
        .select_related("programme")
        .order_by("start_date", "title")
    )


def public_cohort(*, pk: int):
    """A cohort open for registration (of an active centre), or None."""
    return (
        cohorts_open_for_registration()
        .filter(pk=pk)
        .select_related("programme", "centre__city__province")
        .first()
    )


def centre_products(*, centre: Centre, limit: int = 12) -> QuerySet:
    """What the centre's trainees made, newest cohorts first, with units sold annotated."""
    return (
        Product.objects.filter(cohort__centre=centre)
        .select_related("cohort__programme")
        .annotate(sold=Coalesce(Sum("sales__quantity"), 0))
        .order_by("-cohort__start_date", "name")[:limit]
    )


def served_neighbourhoods(*, centre_id: int) -> QuerySet:
    """The neighbourhoods a centre serves, named or through its districts."""
    return (
        Neighbourhood.objects.filter(Q(centres=centre_id) | Q(district__centres=centre_id))
        .select_related("district__city")
        .distinct()
        .order_by("district__number", "name")
    )


def centre_offers_counselling(*, centre) -> bool:
    """Whether the centre has a counsellor's weekly hours (its page offers booking)."""
    return CounsellorAvailability.objects.active().filter(centre=centre).exists()


# --- What a resident sent, by its tracking number ------------------------------------------


@dataclass(frozen=True)
class Tracked:
    """What a tracking number names, as its sender may see it: never another person's
    details, never an internal note. `mobile` is only compared, never shown."""

    number: str
    kind: str
    kind_label: str
    title: str
    centre: str
    centre_id: int
    sent_at: datetime.datetime
    mobile: str
    status: str
    answer: str
    decided: bool

    @property
    def pk(self) -> int:
        # The participation flow keeps its target as an integer: the number's digits.
        return int(self.number)


def tracked(number: str | None) -> Tracked | None:
    """The idea or request to join that `number` tracks (one query), or None."""
    number = tracking.tracking_number_read(number)
    if number is None:
        return None
    kind = tracking.tracking_number_kind(number)
    if kind == tracking.IDEA:
        idea = Idea.objects.filter(tracking_number=number).select_related("call__centre").first()
        return None if idea is None else _tracked_idea(idea)
    if kind == tracking.REQUEST_TO_JOIN:
        interest = (
            CohortInterest.objects.filter(tracking_number=number)
            .select_related("cohort__centre", "cohort__programme")
            .first()
        )
        return None if interest is None else _tracked_interest(interest)
    if kind == tracking.BOOKING:
        booking = (
            CounsellingBooking.objects.filter(tracking_number=number)
            .select_related("centre", "topic")
            .first()
        )
        return None if booking is None else _tracked_booking(booking)
    return None


def _tracked_booking(booking: CounsellingBooking) -> Tracked:
    # What the resident booked and its state; never the counsellor's notes or referrals.
    return Tracked(
        number=booking.tracking_number,
        kind=tracking.BOOKING,
        kind_label=str(_("Counselling booking")),
        title=f"{booking.topic.name} — {counselling_when(booking.starts_at)}",
        centre=booking.centre.name,
        centre_id=booking.centre_id,
        sent_at=booking.created_at,
        mobile=booking.mobile,
        status=booking.get_status_display(),
        answer="",
        decided=booking.status != CounsellingBooking.Status.BOOKED,
    )


def _tracked_idea(idea: Idea) -> Tracked:
    # The decision is told once the call published its decisions, with the note written
    # for the submitter; until then the idea is "under review" whatever the reviewers did.
    published = idea.status in Idea.DECIDED and idea.call.decisions_published
    answer = ""
    if published:
        answer = idea.decision_note
        if idea.follow_up:
            answer = " ".join(filter(None, [answer, idea.get_follow_up_display()]))
    return Tracked(
        number=idea.tracking_number,
        kind=tracking.IDEA,
        kind_label=str(_("Idea for a call")),
        title=f"{idea.title} ({idea.call.title})",
        centre=idea.call.centre.name,
        centre_id=idea.call.centre_id,
        sent_at=idea.created_at,
        mobile=idea.submitter_mobile,
        status=idea.decision_for_submitter,
        answer=answer,
        decided=published,
    )


def _tracked_interest(interest: CohortInterest) -> Tracked:
    return Tracked(
        number=interest.tracking_number,
        kind=tracking.REQUEST_TO_JOIN,
        kind_label=str(_("Request to join a cohort")),
        title=interest.cohort.title,
        centre=interest.cohort.centre.name,
        centre_id=interest.cohort.centre_id,
        sent_at=interest.created_at,
        mobile=interest.mobile,
        status=interest.get_state_display(),
        answer="",
        decided=interest.state != CohortInterest.State.NEW,
    )


# --- Public accountability: what was promised to a centre's area and a neighbourhood ------


def _commitments() -> QuerySet:
    return (
        Commitment.objects.select_related("promiser_partner", "neighbourhood")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=CommitmentMilestone.objects.order_by("due_date", "pk"),
            ),
            Prefetch(
                "comments",
                queryset=CommitmentComment.objects.published().order_by("created_at", "pk"),
                to_attr="published_comments",
            ),
        )
        .order_by("due_date", "pk")
    )


def _published_resolutions() -> QuerySet:
    # Only what the secretary published; their follow-up notes are never read here.
    return (
        Resolution.objects.exclude(published_at=None)
        .exclude(status=TrackedStatus.CANCELLED)
        .select_related("meeting__headquarters", "meeting__centre", "responsible")
        .order_by("deadline", "pk")
    )


def _headquarters_over(*, city_id: int, province_id: int) -> Q:
    """Meetings of the headquarters whose area holds the place: its city, its province."""
    return Q(
        meeting__headquarters__level=Headquarters.Level.CITY, meeting__headquarters__city=city_id
    ) | Q(
        meeting__headquarters__level=Headquarters.Level.PROVINCIAL,
        meeting__headquarters__province=province_id,
    )


def centre_accountability(*, centre: Centre) -> dict:
    """The commitments made to the neighbourhoods a centre serves (or through its
    headquarters) and the resolutions published by the bodies over it."""
    served = centre.neighbourhoods.values("pk")
    commitments = _commitments().filter(
        Q(neighbourhood__in=served) | Q(headquarters__centre=centre)
    )
    resolutions = _published_resolutions().filter(
        Q(meeting__centre=centre)
        | Q(meeting__headquarters__centre=centre)
        | Q(meeting__headquarters__neighbourhood__in=served)
        | _headquarters_over(city_id=centre.city_id, province_id=centre.city.province_id)
    )
    return {
        "commitments": list(commitments.distinct()),
        "resolutions": list(resolutions.distinct()),
    }


def neighbourhood_accountability(*, neighbourhood: Neighbourhood) -> dict:
    """The commitments made to one neighbourhood and the resolutions published by the
    bodies over it (its own headquarters, the centres serving it, its city and province)."""
    city = neighbourhood.district.city
    commitments = _commitments().filter(
        Q(neighbourhood=neighbourhood) | Q(headquarters__neighbourhood=neighbourhood)
    )
    serving = Centre.objects.active().filter(neighbourhoods=neighbourhood).values("pk")
    resolutions = _published_resolutions().filter(
        Q(meeting__headquarters__neighbourhood=neighbourhood)
        | Q(meeting__centre__in=serving)
        | Q(meeting__headquarters__centre__in=serving)
        | _headquarters_over(city_id=city.pk, province_id=city.province_id)
    )
    return {
        "commitments": list(commitments.distinct()),
        "resolutions": list(resolutions.distinct()),
    }


def public_commitment(*, pk: int) -> Commitment | None:
    """A commitment shown on a public page: made to a neighbourhood an active centre serves,
    or followed by a headquarters of an active centre."""
    return (
        Commitment.objects.filter(pk=pk)
        .filter(Q(neighbourhood__centres__is_active=True) | Q(headquarters__centre__is_active=True))
        .select_related("neighbourhood")
        .distinct()
        .first()
    )


def commitment_comments_published(*, commitment: Commitment) -> QuerySet:
    return (
        CommitmentComment.objects.published()
        .filter(commitment=commitment)
        .order_by("created_at", "pk")
    )


def call_accepted_ideas(*, call: IdeaCall) -> list[Idea] | None:
    """The accepted ideas a decided call shows publicly: only once its decisions are
    published (None before), and only those whose submitters consented. Only the columns
    the page may show are read: never the mobile."""
    if not call.decisions_published:
        return None
    return list(
        Idea.objects.filter(call=call, status=Idea.Status.ACCEPTED, publish_consent=True)
        .only("pk", "title", "summary", "submitter_name", "publish_name_consent")
        .order_by("title", "pk")
    )


def decided_calls(*, centre: Centre) -> QuerySet:
    """A centre's calls whose decisions are published, latest first."""
    return (
        IdeaCall.objects.filter(centre=centre, decisions_published_at__isnull=False)
        .only("pk", "title", "closes_on")
        .order_by("-closes_on", "-pk")
    )


def centre_catalogue(*, centre: Centre) -> QuerySet:
    """The home businesses a centre lists, with their owners' consent: only the business's
    own name and what it makes are read (never the owner or a mobile)."""
    return (
        CatalogueEntry.objects.listed()
        .filter(centre=centre)
        .only("pk", "name", "description", "centre_id")
        .order_by("name", "pk")
    )


def public_catalogue_entry(*, pk: int) -> CatalogueEntry | None:
    return (
        CatalogueEntry.objects.listed()
        .select_related("centre")
        .only("pk", "name", "description", "centre__name", "centre__is_active", "withdrawn_at")
        .filter(pk=pk)
        .first()
    )
