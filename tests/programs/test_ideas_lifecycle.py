"""A call's whole life: submit, refuse after closing, review, rank, decide, publish, follow."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from programs.models import Idea, IdeaReview, IdeaScore
from programs.selectors import ideas_ranked
from programs.services.ideas import (
    idea_call_assign_reviewers,
    idea_call_publish_decisions,
    idea_decide,
    idea_follow_up_record,
    idea_review_submit,
)
from tests.centres.factories import CentreFactory, staff_user
from tests.programs.factories import (
    close_call,
    make_call,
    make_idea,
    resident,
    reviewer_of,
    to_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre_people():
    centre = CentreFactory(name="مرکز حصه")
    return {
        "centre": centre,
        "manager": staff_user("manager", "centre_manager", centre),
        "staff": staff_user("staff", "centre_staff", centre),
        "r1": reviewer_of(centre, "reviewer1"),
        "r2": reviewer_of(centre, "reviewer2"),
    }


def _scores(call, values):
    return dict(zip(call.criteria.order_by("order"), values, strict=True))


def test_whole_life_of_a_call(centre_people):
    p = centre_people
    call = make_call(centre=p["centre"], reviewers=[p["r1"], p["r2"]])
    owner = resident()
    strong = make_idea(call, submitter=owner, title="برند حصه")
    weak = make_idea(call, title="فروشگاه اینترنتی")
    unscored = make_idea(call, title="کارگاه خیاطی")
    for idea in (strong, weak, unscored):
        to_review(idea, p["staff"])

    # Weights 3, 2, 4, 1 (sum 10).
    idea_review_submit(idea=strong, reviewer=p["r1"], scores=_scores(call, [8, 6, 10, 4]))
    idea_review_submit(idea=strong, reviewer=p["r2"], scores=_scores(call, [6, 6, 8, 10]))
    idea_review_submit(idea=weak, reviewer=p["r1"], scores=_scores(call, [2, 5, 3, 0]))

    ranked = list(ideas_ranked(user=p["manager"], call=call))
    assert [i.pk for i in ranked] == [strong.pk, weak.pk, unscored.pk]
    # r1: (24+12+40+4)/10 = 8.0; r2: (18+12+32+10)/10 = 7.2; mean 7.6.
    assert ranked[0].score == pytest.approx(7.6)
    assert ranked[0].reviewers == 2
    assert ranked[1].score == pytest.approx((6 + 10 + 12 + 0) / 10)
    assert ranked[1].reviewers == 1
    assert ranked[2].score is None and ranked[2].reviewers == 0

    # A reviewer revises their own review: still one review, new scores count.
    idea_review_submit(
        idea=weak, reviewer=p["r1"], scores=_scores(call, [4, 5, 3, 0]), comment="بازبینی"
    )
    assert IdeaReview.objects.filter(idea=weak).count() == 1
    assert IdeaScore.objects.filter(review__idea=weak).count() == 4
    ranked = {i.pk: i for i in ideas_ranked(user=p["manager"], call=call)}
    assert ranked[weak.pk].score == pytest.approx((12 + 10 + 12 + 0) / 10)

    # Only the manager decides.
    with pytest.raises(PermissionDenied):
        idea_decide(idea=strong, user=p["staff"], accept=True)
    with pytest.raises(PermissionDenied):
        idea_decide(idea=strong, user=p["r1"], accept=True)
    idea_decide(idea=strong, user=p["manager"], accept=True, note="تأیید برای پیش‌رشد")
    idea_decide(idea=weak, user=p["manager"], accept=False)

    # Decisions are published only after closing and when every idea is decided.
    with pytest.raises(ValidationError, match="باز است|open"):
        idea_call_publish_decisions(call=call, user=p["manager"])
    close_call(call)
    with pytest.raises(ValidationError):
        idea_call_publish_decisions(call=call, user=p["manager"])
    idea_decide(idea=unscored, user=p["manager"], accept=False)
    idea_call_publish_decisions(call=call, user=p["manager"])

    # Publication freezes reviews and decisions.
    with pytest.raises(ValidationError):
        idea_review_submit(idea=weak, reviewer=p["r1"], scores=_scores(call, [9, 9, 9, 9]))
    with pytest.raises(ValidationError):
        idea_decide(idea=weak, user=p["manager"], accept=True)

    # The accepted idea is followed as incubated, then as a business.
    idea_follow_up_record(
        idea=strong, user=p["staff"], follow_up="incubated", mentor="استاد میناکار", progress=40
    )
    strong.refresh_from_db()
    assert (strong.follow_up, strong.mentor, strong.incubation_progress) == (
        "incubated",
        "استاد میناکار",
        40,
    )
    with pytest.raises(ValidationError):
        idea_follow_up_record(idea=weak, user=p["staff"], follow_up="incubated", mentor="x")
    assert strong.history.count() >= 4


def test_submission_is_refused_after_closing_with_a_clear_message(centre_people):
    call = make_call(centre=centre_people["centre"], open_days=(-30, -1))
    with pytest.raises(ValidationError) as excinfo:
        make_idea(call)
    assert excinfo.value.code == "call_not_open"
    assert call.title in excinfo.value.messages[0]  # it names the call
    assert not Idea.objects.exists()


def test_submission_on_the_closing_day_is_accepted_and_before_opening_refused(centre_people):
    last_day = make_call(centre=centre_people["centre"], open_days=(-5, 0), title="امروز")
    assert make_idea(last_day).status == Idea.Status.SUBMITTED
    future = make_call(centre=centre_people["centre"], open_days=(1, 9), title="فردا")
    with pytest.raises(ValidationError):
        make_idea(future)


def test_review_rules(centre_people):
    p = centre_people
    call = make_call(centre=p["centre"], reviewers=[p["r1"]])
    idea = make_idea(call)
    # Not yet under review.
    with pytest.raises(ValidationError):
        idea_review_submit(idea=idea, reviewer=p["r1"], scores=_scores(call, [1, 1, 1, 1]))
    to_review(idea, p["staff"])
    # A reviewer of the centre who is not assigned to this call.
    with pytest.raises(PermissionDenied):
        idea_review_submit(idea=idea, reviewer=p["r2"], scores=_scores(call, [1, 1, 1, 1]))
    # Out of range and missing criteria.
    with pytest.raises(ValidationError, match="10|۱۰"):
        idea_review_submit(idea=idea, reviewer=p["r1"], scores=_scores(call, [11, 1, 1, 1]))
    partial = dict(list(_scores(call, [1, 1, 1, 1]).items())[:2])
    with pytest.raises(ValidationError):
        idea_review_submit(idea=idea, reviewer=p["r1"], scores=partial)
    assert not IdeaReview.objects.exists()


def test_only_reviewers_of_the_centre_can_be_assigned(centre_people):
    call = make_call(centre=centre_people["centre"])
    other_centre_reviewer = reviewer_of(CentreFactory(), "elsewhere")
    with pytest.raises(ValidationError):
        idea_call_assign_reviewers(call=call, reviewers=[other_centre_reviewer])
    idea_call_assign_reviewers(call=call, reviewers=[centre_people["r1"]])
    assert list(call.reviewers.all()) == [centre_people["r1"]]


def test_manager_of_another_centre_cannot_decide(centre_people):
    call = make_call(centre=centre_people["centre"])
    idea = to_review(make_idea(call), centre_people["staff"])
    foreign_manager = staff_user("manager.other", "centre_manager", CentreFactory())
    with pytest.raises(PermissionDenied) as excinfo:
        idea_decide(idea=idea, user=foreign_manager, accept=True)
    assert excinfo.value.code == "not_allowed"
    idea.refresh_from_db()
    assert idea.status == Idea.Status.UNDER_REVIEW


def test_accepting_needs_review_but_rejecting_at_screening_is_allowed(centre_people):
    p = centre_people
    call = make_call(centre=p["centre"])
    idea = make_idea(call)
    with pytest.raises(ValidationError):
        idea_decide(idea=idea, user=p["manager"], accept=False)  # still submitted
    from programs.services.ideas import idea_advance

    idea_advance(idea=idea, user=p["staff"], to_status="screening")
    with pytest.raises(ValidationError):
        idea_decide(idea=idea, user=p["manager"], accept=True)
    assert idea_decide(idea=idea, user=p["manager"], accept=False).status == "rejected"


def test_submitter_sees_the_decision_only_once_published(centre_people):
    p = centre_people
    call = make_call(centre=p["centre"], open_days=(-10, 0))
    owner = resident()
    idea = to_review(make_idea(call, submitter=owner), p["staff"])
    idea_decide(idea=idea, user=p["manager"], accept=True)
    from programs.selectors import ideas_of_submitter

    (mine,) = ideas_of_submitter(user=owner)
    assert mine.decision_for_submitter == str(Idea.Status.UNDER_REVIEW.label)
    close_call(call)
    idea_call_publish_decisions(call=call, user=p["manager"])
    (mine,) = ideas_of_submitter(user=owner)
    assert mine.decision_for_submitter == str(Idea.Status.ACCEPTED.label)
