"""Reads on the registry."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import (
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from empowerment.kernel.jalali import local_today
from programs.models import Cohort, CohortSession, Idea

from .models import (
    Attendance,
    Certificate,
    CohortInterest,
    Enrolment,
    Outcome,
    Product,
    Sale,
    Trainee,
    TraineeImport,
    hide_unshared,
)


def progress_cache_key(import_id: int) -> str:
    """Where the apply step reports its live progress (it writes, this reads)."""
    return f"trainee-import-progress:{import_id}"


def trainee_import_progress(*, trainee_import: TraineeImport) -> tuple[int, int]:
    """Rows processed and total. While the apply step runs its own counter sits inside an
    uncommitted transaction, so the live figure comes from the cache it writes to."""
    if trainee_import.state == TraineeImport.State.APPLYING:
        processed = cache.get(progress_cache_key(trainee_import.pk)) or 0
    else:
        processed = trainee_import.processed
    return processed, trainee_import.valid_count


def cohorts_open_for_registration(*, today: datetime.date | None = None) -> QuerySet:
    """Cohorts a resident may ask to join: planned, of an active centre and programme, not
    started yet (the start day itself still counts), with their seats (`with_seats`).
    """
    today = today or local_today()
    return Cohort.objects.filter(
        status=Cohort.Status.PLANNED,
        start_date__gte=today,
        centre__is_active=True,
        programme__is_active=True,
    ).with_seats()


def _count(queryset: QuerySet) -> Subquery:
    # COUNT(*) of a correlated subquery, without the GROUP BY that .annotate(Count()) adds.
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_attendance_rate(queryset: QuerySet, *, today: datetime.date | None = None) -> QuerySet:
    """Enrolments annotated with `attendance_rate`: their attendance (%) so far.

    A closed cohort's enrolments keep the figure their completion recorded
    (`attendance_percent`). While the cohort runs the rate is current: present marks over
    the sessions held so far, a session counting as held once it is dated today or earlier,
    was not cancelled and had its attendance taken (at least one mark); as at completion, an
    excused absence counts neither for nor against the trainee, and a held session without
    the trainee's mark counts as an absence. None until one session was held.

    Three correlated counts in the same query (sessions held, present, excused): a list
    page of enrolments stays one query whatever its length. The rate is a float, for
    ordering; `rate_percent` rounds it for people.
    """
    today = today or local_today()
    held_session = {"session__cancelled_at__isnull": True, "session__date__lte": today}
    held = _count(
        CohortSession.objects.filter(
            cohort=OuterRef("cohort_id"), cancelled_at__isnull=True, date__lte=today
        ).filter(Exists(Attendance.objects.filter(session=OuterRef("pk"))))
    )
    marks = Attendance.objects.filter(enrolment=OuterRef("pk"), **held_session)
    present = _count(marks.filter(status=Attendance.Status.PRESENT))
    excused = _count(marks.filter(status=Attendance.Status.EXCUSED))
    counted = F("_held") - F("_excused")
    current = Cast(F("_present"), FloatField()) * 100.0 / NullIf(F("_counted"), 0)
    return (
        queryset.annotate(_held=held, _present=present, _excused=excused)
        .annotate(_counted=counted)
        .annotate(
            attendance_rate=Coalesce(
                Cast(F("attendance_percent"), FloatField()), current, output_field=FloatField()
            )
        )
    )


def with_current_attendance(trainees: QuerySet, *, today: datetime.date | None = None) -> QuerySet:
    """Trainees annotated with `current_attendance_rate`: the attendance so far in the cohort
    they joined last among those they are enrolled in (running), as `with_attendance_rate`
    counts it; None when they hold no seat in a running cohort. One subquery, in the list's
    own query."""
    current = with_attendance_rate(
        Enrolment.objects.filter(trainee=OuterRef("pk"), status=Enrolment.Status.ENROLLED),
        today=today,
    ).order_by("-enrolled_on", "-pk")
    return trainees.annotate(
        current_attendance_rate=Subquery(
            current.values("attendance_rate")[:1], output_field=FloatField()
        )
    )


def rate_percent(rate: float | Decimal | None) -> Decimal | None:
    """An `attendance_rate` to one decimal, rounded as the completion rounds it."""
    if rate is None:
        return None
    return Decimal(str(rate)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def sessions_of_day(*, user, day: datetime.date | None = None) -> QuerySet:
    """The sessions held on `day` (today in Tehran) that `user` may see, not cancelled,
    with their cohort and centre, `enrolled` (trainees holding a seat to mark) and `marked`
    (marks taken so far): the list staff start taking attendance from. One query."""
    day = day or local_today()
    return (
        CohortSession.objects.visible_to(user)
        .filter(date=day, cancelled_at__isnull=True)
        .select_related("cohort__centre")
        .annotate(
            enrolled=_count(
                Enrolment.objects.filter(
                    cohort=OuterRef("cohort_id"), status=Enrolment.Status.ENROLLED
                )
            ),
            marked=_count(Attendance.objects.filter(session=OuterRef("pk"))),
        )
        .order_by("start_time", "cohort__title", "pk")
    )


def certificate_by_token(*, token: str) -> Certificate | None:
    """The certificate a public verification address names, with what its page shows
    (holder's name, programme, centre, date, revocation) and nothing more: no scope, since
    the token itself is the secret, and the page reads no personal code."""
    return (
        Certificate.objects.select_related(
            "enrolment__trainee", "enrolment__cohort__programme", "enrolment__cohort__centre"
        )
        .only(
            "number",
            "token",
            "issued_on",
            "revoked_at",
            "enrolment__trainee__first_name",
            "enrolment__trainee__last_name",
            "enrolment__cohort__title",
            "enrolment__cohort__code",
            "enrolment__cohort__programme__title",
            "enrolment__cohort__centre__name",
        )
        .filter(token=token)
        .first()
    )


# --- One trainee's whole story -----------------------------------------------------------


@dataclass
class TraineeStory:
    """What a member of staff may see of one trainee, section by section: each list is
    read through `visible_to`, so its length is what this person may count."""

    trainee: Trainee
    enrolments: list[Enrolment]
    attendance: list[Attendance]
    certificates: list[Certificate]
    outcomes: list[Outcome]
    ideas: list[Idea]
    interests: list[CohortInterest]
    products: list[Product]
    history: list = field(default_factory=list)

    @property
    def details_shared(self) -> bool:
        return self.trainee.details_shared


def _sum(queryset: QuerySet, name: str) -> Subquery:
    # SUM of a correlated subquery, like _count.
    summed = queryset.order_by().annotate(s=Func(F(name), function="SUM")).values("s")
    return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))


HISTORY_SHOWN = 50


def trainee_story(*, user, trainee_id: int) -> TraineeStory | None:
    """One trainee's enrolments (with their attendance rate), attendance marks,
    certificates, outcomes, ideas, requests to join a cohort, the products of their
    cohorts with what was sold, and the changes to their record: None when the trainee is
    not in the user's scope. Nine queries whatever the trainee holds (and the
    user's roles, once).

    The trainee is read with `details_shared` and passed through `hide_unshared`, as the
    change page shows it: a person registered at another centre (without consent) has
    their mobile blanked, so ideas and requests are then found by the resident's account
    only (a match on the mobile would tell it), and their history stays out (the history
    view refuses it too).
    """
    trainee = (
        Trainee.objects.visible_to(user)
        .with_details_shared(user)
        .select_related("registered_at", "neighbourhood")
        .filter(pk=trainee_id)
        .first()
    )
    if trainee is None:
        return None
    hide_unshared(trainee)

    enrolments = list(
        with_attendance_rate(
            Enrolment.objects.visible_to(user)
            .filter(trainee=trainee)
            .select_related("cohort__programme", "cohort__centre")
        ).order_by("-enrolled_on", "-pk")
    )
    attendance = list(
        Attendance.objects.visible_to(user)
        .filter(enrolment__trainee=trainee)
        .select_related("session", "enrolment__cohort")
        .order_by("-session__date", "-session__start_time", "-pk")
    )
    certificates = list(
        Certificate.objects.visible_to(user)
        .filter(enrolment__trainee=trainee)
        .select_related("enrolment__cohort__programme")
        .order_by("-issued_on", "-pk")
    )
    outcomes = list(
        Outcome.objects.visible_to(user)
        .filter(trainee=trainee)
        .select_related("enrolment__cohort")
        .order_by("follow_up_round", "-date", "-pk")
    )

    # Ideas and requests name a person by their account or the mobile they gave.
    by_person = Q(pk__in=[])
    interest_of = Q(pk__in=[])
    if trainee.user_id:
        by_person |= Q(submitter_id=trainee.user_id)
        interest_of |= Q(user_id=trainee.user_id)
    if trainee.mobile:
        by_person |= Q(submitter_mobile=trainee.mobile)
        interest_of |= Q(mobile=trainee.mobile)
    ideas = list(
        Idea.objects.visible_to(user)
        .filter(by_person)
        .select_related("call")
        .order_by("-created_at", "-pk")
    )
    interests = list(
        CohortInterest.objects.visible_to(user)
        .filter(interest_of)
        .select_related("cohort__centre")
        .order_by("-created_at", "-pk")
    )

    # Products are a cohort's, not a person's: those of the trainee's cohorts (as far as
    # the user sees the enrolments), with what the user may see of their sales.
    sales = Sale.objects.visible_to(user).filter(product=OuterRef("pk"))
    products = list(
        Product.objects.visible_to(user)
        .filter(cohort_id__in=[e.cohort_id for e in enrolments])
        .select_related("cohort")
        .annotate(
            sold_quantity=_sum(sales, "quantity"),
            sold_amount=_sum(sales, "amount_rials"),
            sales_count=_count(sales),
        )
        .order_by("cohort__code", "name")
    )

    history = []
    if trainee.details_shared:
        history = list(
            Trainee.history.filter(id=trainee.pk)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:HISTORY_SHOWN]
        )
    return TraineeStory(
        trainee=trainee,
        enrolments=enrolments,
        attendance=attendance,
        certificates=certificates,
        outcomes=outcomes,
        ideas=ideas,
        interests=interests,
        products=products,
        history=history,
    )
