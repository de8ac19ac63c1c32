"""Writes on calls for ideas: open a call, submit, screen, review, decide, publish, follow."""

from collections.abc import Iterable, Mapping

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centres.models import Centre, StaffRole
from centres.scope import scope_for
from empowerment.kernel import errors, tracking
from empowerment.kernel.jalali import format_jalali, local_today
from empowerment.kernel.validators import normalize_mobile

from ..models.ideas import Idea, IdeaCall, IdeaCriterion, IdeaReview, IdeaScore

__all__ = [
    "idea_call_create",
    "idea_call_change",
    "idea_call_assign_reviewers",
    "idea_call_publish_decisions",
    "idea_call_require_open",
    "idea_submit",
    "idea_advance",
    "idea_review_submit",
    "idea_decide",
    "idea_follow_up_record",
    "user_manages_centre",
]

R = StaffRole.Role
User = get_user_model()


def user_manages_centre(user, centre_id: int) -> bool:
    """Whether the user holds the centre_manager role of this centre (nobody else decides)."""
    return centre_id in scope_for(user).role_ids("centre", roles={R.CENTRE_MANAGER})


def _user_works_at_centre(user, centre_id: int) -> bool:
    scope = scope_for(user)
    return centre_id in scope.role_ids("centre", roles={R.CENTRE_MANAGER, R.CENTRE_STAFF})


def _require_manager(user, call: IdeaCall) -> None:
    if not user_manages_centre(user, call.centre_id):
        raise errors.NotAllowed(
            _("Only the manager of this call's centre may decide on its ideas.")
        )


NO_CRITERION = gettext_lazy("A call needs at least one criterion to judge its ideas by.")


@transaction.atomic
def idea_call_create(
    *,
    centre: Centre,
    title: str,
    opens_on,
    closes_on,
    criteria: Iterable[tuple[str, int]],
    description: str = "",
    reviewers: Iterable = (),
) -> IdeaCall:
    """Publish a call with its criteria as (name, weight) pairs, in order."""
    criteria = list(criteria)
    if not criteria:
        raise errors.Invalid(NO_CRITERION, code="no_criterion")
    call = IdeaCall(
        centre=centre, title=title, description=description, opens_on=opens_on, closes_on=closes_on
    )
    call.full_clean()
    call.save()
    for order, (name, weight) in enumerate(criteria, start=1):
        criterion = IdeaCriterion(call=call, name=name, weight=weight, order=order)
        criterion.full_clean()
        criterion.save()
    idea_call_assign_reviewers(call=call, reviewers=reviewers)
    return call


@transaction.atomic
def idea_call_change(
    *,
    call: IdeaCall,
    title: str,
    opens_on,
    closes_on,
    criteria: Iterable[tuple[int | None, str, int]],
    description: str = "",
    reviewers: Iterable = (),
) -> IdeaCall:
    """Change a call and its criteria: the whole list as (id or None for a new one, name,
    weight), in order; a criterion left out is removed. A call keeps at least one
    criterion, and once an idea is scored its criteria no longer change (the scores were
    given on them)."""
    call = IdeaCall.objects.select_for_update().get(pk=call.pk)
    criteria = list(criteria)
    if not criteria:
        raise errors.Invalid(NO_CRITERION, code="no_criterion")
    call.title, call.description = title, description
    call.opens_on, call.closes_on = opens_on, closes_on
    call.full_clean()
    call.save()
    current = list(call.criteria.order_by("order", "pk"))
    if [(c.pk, c.name, c.weight) for c in current] != criteria:
        if IdeaReview.objects.filter(idea__call=call).exists():
            raise errors.Conflict(
                _("Ideas of this call are already scored: its criteria no longer change."),
                code="criteria_scored",
            )
        kept = {pk for pk, _name, _weight in criteria if pk is not None}
        call.criteria.exclude(pk__in=kept).delete()
        by_pk = {c.pk: c for c in current}
        for order, (pk, name, weight) in enumerate(criteria, start=1):
            criterion = by_pk.get(pk) if pk is not None else None
            if criterion is None:
                criterion = IdeaCriterion(call=call)
            criterion.name, criterion.weight, criterion.order = name, weight, order
            criterion.full_clean()
            criterion.save()
    idea_call_assign_reviewers(call=call, reviewers=reviewers)
    return call


@transaction.atomic
def idea_call_assign_reviewers(*, call: IdeaCall, reviewers: Iterable) -> IdeaCall:
    """Set the call's reviewers; each must hold an active reviewer role at its centre."""
    reviewers = list(reviewers)
    qualified = set(
        StaffRole.objects.filter(
            role=R.REVIEWER, centre=call.centre_id, is_active=True, user__in=reviewers
        ).values_list("user_id", flat=True)
    )
    unqualified = [str(u) for u in reviewers if u.pk not in qualified]
    if unqualified:
        raise errors.Invalid(
            _("%(users)s hold no reviewer role at %(centre)s.")
            % {"users": "، ".join(unqualified), "centre": call.centre},
            field="reviewers",
            code="not_a_reviewer",
        )
    call.reviewers.set(reviewers)
    return call


def idea_call_require_open(*, call: IdeaCall) -> None:
    """Refuse (Invalid, code "call_not_open") unless the call takes ideas today (Tehran's date).

    `idea_submit` checks it under the call's lock; the public form also checks it before it
    sends an SMS code, so that nobody confirms a number for an idea that would be refused.
    """
    today = local_today()
    if not call.is_open_on(today):
        if today < call._greg(call.opens_on):
            message = _("The call “%(call)s” opens on %(date)s; ideas cannot be submitted yet.")
            date = call.opens_on
        else:
            message = _("The call “%(call)s” closed on %(date)s; ideas can no longer be submitted.")
            date = call.closes_on
        raise errors.Invalid(
            message % {"call": call.title, "date": format_jalali(date)}, code="call_not_open"
        )


@transaction.atomic
def idea_submit(
    *,
    call: IdeaCall,
    title: str,
    summary: str,
    submitter_name: str,
    submitter_mobile: str,
    submitter=None,
    team_members: str = "",
    support_needed: str = "",
    jobs_expected: int = 0,
    neighbourhood=None,
    publish_consent: bool = False,
    publish_name_consent: bool = False,
) -> Idea:
    """A resident submits an idea; only while the call is open (Tehran's date). The consents
    say what may be shown publicly if it is accepted (the name only with the idea)."""
    call = IdeaCall.objects.select_for_update().get(pk=call.pk)
    idea_call_require_open(call=call)
    idea = Idea(
        call=call,
        submitter=submitter,
        submitter_name=submitter_name,
        submitter_mobile=normalize_mobile(submitter_mobile),
        title=title,
        summary=summary,
        team_members=team_members,
        support_needed=support_needed,
        jobs_expected=jobs_expected,
        neighbourhood=neighbourhood,
        publish_consent=bool(publish_consent),
        publish_name_consent=bool(publish_consent and publish_name_consent),
        tracking_number=tracking.tracking_number_new(
            tracking.IDEA,
            taken=lambda number: Idea.objects.filter(tracking_number=number).exists(),
        ),
    )
    idea.full_clean()
    idea.save()
    return idea


# The steps before the decision that centre staff take; the decision is the manager's.
_ADVANCES = {
    Idea.Status.SUBMITTED: Idea.Status.SCREENING,
    Idea.Status.SCREENING: Idea.Status.UNDER_REVIEW,
}


@transaction.atomic
def idea_advance(*, idea: Idea, user, to_status: str) -> Idea:
    """Move an idea from submitted to screening, or from screening to under review."""
    idea = Idea.objects.select_for_update().select_related("call").get(pk=idea.pk)
    if not _user_works_at_centre(user, idea.call.centre_id):
        raise errors.NotAllowed(_("Only the staff of this call's centre may screen its ideas."))
    if _ADVANCES.get(idea.status) != to_status:
        raise errors.Conflict(
            _("An idea that is “%(current)s” cannot move to “%(target)s”.")
            % {"current": idea.get_status_display(), "target": Idea.Status(to_status).label}
        )
    idea.status = to_status
    idea.save(update_fields=["status", "updated_at"])
    return idea


@transaction.atomic
def idea_review_submit(
    *, idea: Idea, reviewer, scores: Mapping[int | IdeaCriterion, int], comment: str = ""
) -> IdeaReview:
    """Score an idea on every criterion of its call (0 to 10), or revise one's own scores.

    One review per reviewer and idea; revisions are allowed until the call's decisions are
    published. Only reviewers assigned to the call (and holding the role) may score.
    """
    idea = Idea.objects.select_related("call").get(pk=idea.pk)
    call = IdeaCall.objects.select_for_update().get(pk=idea.call_id)
    if call.decisions_published:
        raise errors.Invalid(
            _("The decisions of this call are published; its reviews can no longer change.")
        )
    is_assigned = call.reviewers.filter(pk=reviewer.pk).exists()
    if not is_assigned or call.centre_id not in scope_for(reviewer).role_ids(
        "centre", roles={R.REVIEWER}
    ):
        raise errors.NotAllowed(_("You are not a reviewer of this call."))
    if idea.status != Idea.Status.UNDER_REVIEW:
        raise errors.Invalid(
            _("Only ideas under review are scored; this one is “%(status)s”.")
            % {"status": idea.get_status_display()}
        )
    by_id = {(c.pk if isinstance(c, IdeaCriterion) else int(c)): v for c, v in scores.items()}
    criteria = {c.pk: c for c in call.criteria.all()}
    if set(by_id) != set(criteria):
        missing = [criteria[pk].name for pk in criteria if pk not in by_id]
        if missing:
            raise errors.Invalid(
                _("Score every criterion of the call; missing: %(names)s.")
                % {"names": "، ".join(missing)}
            )
        raise errors.Invalid(_("A score was given for a criterion of another call."))
    for pk, value in by_id.items():
        if value is None or not 0 <= int(value) <= 10:
            raise errors.Invalid(
                _("The score for “%(name)s” must be between 0 and 10.")
                % {"name": criteria[pk].name}
            )
    review, _created = IdeaReview.objects.get_or_create(
        idea=idea, reviewer=reviewer, defaults={"comment": comment}
    )
    if not _created and review.comment != comment:
        review.comment = comment
        review.save(update_fields=["comment", "updated_at"])
    existing = {s.criterion_id: s for s in review.scores.all()}
    for pk, value in by_id.items():
        score = existing.get(pk)
        if score is None:
            IdeaScore.objects.create(review=review, criterion=criteria[pk], score=int(value))
        elif score.score != int(value):
            score.score = int(value)
            score.save(update_fields=["score"])
    return review


@transaction.atomic
def idea_decide(*, idea: Idea, user, accept: bool, note: str = "") -> Idea:
    """The centre's manager accepts or rejects an idea (before the decisions are published).

    An idea is accepted only after review; it may be rejected at screening already.
    """
    idea = Idea.objects.select_for_update().select_related("call").get(pk=idea.pk)
    _require_manager(user, idea.call)
    if idea.call.decisions_published:
        raise errors.Conflict(_("The decisions of this call are already published."))
    allowed = (
        (Idea.Status.UNDER_REVIEW, *Idea.DECIDED)
        if accept
        else (Idea.Status.SCREENING, Idea.Status.UNDER_REVIEW, *Idea.DECIDED)
    )
    if idea.status not in allowed:
        raise errors.Conflict(
            _("An idea that is “%(status)s” cannot be %(decision)s yet.")
            % {
                "status": idea.get_status_display(),
                "decision": _("accepted") if accept else _("rejected"),
            }
        )
    idea.status = Idea.Status.ACCEPTED if accept else Idea.Status.REJECTED
    idea.decided_by = user
    idea.decided_at = timezone.now()
    idea.decision_note = note
    idea.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    return idea


@transaction.atomic
def idea_call_publish_decisions(*, call: IdeaCall, user) -> IdeaCall:
    """Publish the decisions: submitters see them and the reviews freeze.

    Only after the call closed, and only when every idea is decided.
    """
    call = IdeaCall.objects.select_for_update().get(pk=call.pk)
    _require_manager(user, call)
    if call.decisions_published:
        raise errors.Conflict(_("The decisions of this call are already published."))
    if not call.is_closed:
        raise errors.Conflict(
            _("The call is still open until %(date)s; publish the decisions after it closes.")
            % {"date": format_jalali(call.closes_on)}
        )
    undecided = call.ideas.exclude(status__in=Idea.DECIDED).count()
    if undecided:
        raise errors.Conflict(
            _("%(count)s ideas of this call are not decided yet.") % {"count": undecided}
        )
    call.decisions_published_at = timezone.now()
    call.decisions_published_by = user
    call.save(update_fields=["decisions_published_at", "decisions_published_by", "updated_at"])
    return call


@transaction.atomic
def idea_follow_up_record(
    *,
    idea: Idea,
    user,
    follow_up: str,
    mentor: str = "",
    progress: int = 0,
    note: str = "",
    business_opened_on=None,
) -> Idea:
    """Follow an accepted idea as incubated (mentor, progress) or as a business that opened."""
    idea = Idea.objects.select_for_update().select_related("call").get(pk=idea.pk)
    if not _user_works_at_centre(user, idea.call.centre_id):
        raise errors.NotAllowed(_("Only the staff of this call's centre may follow its ideas."))
    if idea.status != Idea.Status.ACCEPTED or not idea.call.decisions_published:
        raise errors.Conflict(_("Only an accepted idea, once published, is followed up."))
    if follow_up == Idea.FollowUp.INCUBATED and not mentor:
        raise errors.Invalid(_("Name the mentor of an incubated idea."), field="mentor")
    if follow_up == Idea.FollowUp.BUSINESS_OPENED and not business_opened_on:
        raise errors.Invalid(
            _("Give the date the business opened (Jalali)."), field="business_opened_on"
        )
    idea.follow_up = follow_up
    idea.mentor = mentor
    idea.incubation_progress = 100 if follow_up == Idea.FollowUp.BUSINESS_OPENED else progress
    idea.follow_up_note = note
    idea.business_opened_on = business_opened_on
    idea.full_clean()
    idea.save()
    return idea
