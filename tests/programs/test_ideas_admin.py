"""The call's page ranks its ideas; a reviewer scores through the admin; scope holds."""

import pytest
from django.urls import reverse

from programs.models import IdeaReview
from programs.services.ideas import idea_review_submit
from tests.centres.factories import CentreFactory, staff_user
from tests.programs.factories import make_call, make_idea, reviewer_of, to_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def call_world():
    centre = CentreFactory(name="مرکز حصه")
    staff = staff_user("staff", "centre_staff", centre)
    reviewer = reviewer_of(centre, "reviewer")
    colleague = reviewer_of(centre, "colleague")
    call = make_call(centre=centre, reviewers=[reviewer, colleague], title="میناکاری")
    other_call = make_call(centre=centre, reviewers=[colleague], title="خیاطی")
    good = to_review(make_idea(call, title="ایده برتر"), staff)
    plain = to_review(make_idea(call, title="ایده معمولی"), staff)
    hidden = to_review(make_idea(other_call, title="ایده پنهان"), staff)
    return locals()


def test_call_page_shows_ideas_ranked(client, call_world):
    w = call_world
    call = w["call"]
    high = {c: 9 for c in call.criteria.all()}
    low = {c: 3 for c in call.criteria.all()}
    idea_review_submit(idea=w["plain"], reviewer=w["reviewer"], scores=low)
    idea_review_submit(idea=w["good"], reviewer=w["reviewer"], scores=high)
    idea_review_submit(idea=w["good"], reviewer=w["colleague"], scores=low)
    manager = staff_user("manager", "centre_manager", w["centre"])
    client.force_login(manager)
    body = client.get(reverse("admin:programs_ideacall_change", args=[call.pk])).content.decode()
    assert body.index("ایده برتر") < body.index("ایده معمولی")
    assert "۶٫۰۰" in body or "۶.۰۰" in body  # (9 + 3) / 2 for the best idea


def test_reviewer_scores_through_the_admin_and_sees_only_their_calls(client, call_world):
    w = call_world
    client.force_login(w["reviewer"])
    listing = client.get(reverse("admin:programs_idea_changelist")).content.decode()
    assert "ایده برتر" in listing and "ایده پنهان" not in listing
    hidden = client.get(reverse("admin:programs_idea_change", args=[w["hidden"].pk]))
    assert hidden.status_code == 302
    url = reverse("admin:programs_ideareview_add") + f"?idea={w['good'].pk}"
    page = client.get(url)
    assert page.status_code == 200
    criteria = list(w["call"].criteria.all())
    data = {"idea": w["good"].pk, "comment": "خوب"} | {f"score_{c.pk}": 7 for c in criteria}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    review = IdeaReview.objects.get()
    assert review.reviewer == w["reviewer"]
    assert sorted(review.scores.values_list("score", flat=True)) == [7] * len(criteria)
    # Scoring an idea of a call they do not review is refused.
    forged = {"idea": w["hidden"].pk} | {f"score_{c.pk}": 7 for c in criteria}
    client.post(reverse("admin:programs_ideareview_add") + f"?idea={w['hidden'].pk}", forged)
    assert IdeaReview.objects.count() == 1
