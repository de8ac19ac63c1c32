"""Who sees which calls, ideas and reviews: staff, reviewers, submitters."""

import pytest

from centres.scope import scope_for
from programs.models import Idea, IdeaCall, IdeaReview
from programs.services.ideas import idea_review_submit
from tests.centres.factories import CentreFactory, staff_user
from tests.programs.factories import make_call, make_idea, resident, reviewer_of, to_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_calls():
    centre = CentreFactory(name="مرکز حصه")
    other = CentreFactory(name="مرکز کرج")
    reviewer = reviewer_of(centre, "reviewer")
    colleague = reviewer_of(centre, "colleague")
    staff = staff_user("staff", "centre_staff", centre)
    assigned = make_call(centre=centre, reviewers=[reviewer, colleague], title="میناکاری")
    not_assigned = make_call(centre=centre, reviewers=[colleague], title="صنایع دستی")
    foreign = make_call(centre=other, title="فراخوان کرج")
    alice, bob = resident("alice"), resident("bob")
    ideas = {
        "alice": to_review(make_idea(assigned, submitter=alice, title="ایده الف"), staff),
        "bob": to_review(make_idea(not_assigned, submitter=bob, title="ایده ب"), staff),
        "foreign": make_idea(foreign, title="ایده کرج"),
    }
    return locals()


def test_reviewer_sees_only_ideas_of_calls_they_review(two_calls):
    reviewer = two_calls["reviewer"]
    assert set(Idea.objects.visible_to(reviewer)) == {two_calls["ideas"]["alice"]}
    assert set(IdeaCall.objects.visible_to(reviewer)) == {two_calls["assigned"]}
    # The centre staff see every idea of their centre, not the other centre's.
    staff = two_calls["staff"]
    assert set(Idea.objects.visible_to(staff)) == {
        two_calls["ideas"]["alice"],
        two_calls["ideas"]["bob"],
    }


def test_reviewer_sees_own_reviews_not_colleagues(two_calls):
    call = two_calls["assigned"]
    idea = two_calls["ideas"]["alice"]
    scores = {c: 5 for c in call.criteria.all()}
    mine = idea_review_submit(idea=idea, reviewer=two_calls["reviewer"], scores=scores)
    theirs = idea_review_submit(idea=idea, reviewer=two_calls["colleague"], scores=scores)
    assert list(IdeaReview.objects.visible_to(two_calls["reviewer"])) == [mine]
    assert set(IdeaReview.objects.visible_to(two_calls["staff"])) == {mine, theirs}


def test_submitter_sees_only_their_own_ideas(two_calls):
    assert list(Idea.objects.visible_to(two_calls["alice"])) == [two_calls["ideas"]["alice"]]
    assert list(Idea.objects.visible_to(two_calls["bob"])) == [two_calls["ideas"]["bob"]]
    assert not IdeaCall.objects.visible_to(two_calls["alice"]).exists()


def test_a_revoked_reviewer_role_closes_the_calls(two_calls):
    from centres.models import StaffRole
    from centres.services import staff_role_revoke

    reviewer = two_calls["reviewer"]
    staff_role_revoke(staff_role=StaffRole.objects.get(user=reviewer))
    reviewer.refresh_from_db()
    assert scope_for(reviewer).is_empty
    assert not Idea.objects.visible_to(reviewer).exists()
