"""Reviewers see every score field, with its 0–10 scale, from the start: on the review's
add page before any save, whether they came from the idea's page or the list."""

import pytest
from django.urls import reverse

from programs.models import IdeaReview
from tests.centres.factories import CentreFactory, staff_user
from tests.programs.factories import make_call, make_idea, reviewer_of, to_review

pytestmark = pytest.mark.django_db

ADD = reverse("admin:programs_ideareview_add")


@pytest.fixture
def world():
    centre = CentreFactory(name="مرکز حصه")
    staff = staff_user("staff", "centre_staff", centre)
    reviewer = reviewer_of(centre, "reviewer")
    call = make_call(centre=centre, reviewers=[reviewer], title="میناکاری")
    first = to_review(make_idea(call, title="ایده نخست"), staff)
    second = to_review(make_idea(call, title="ایده دوم"), staff)
    return {
        "centre": centre,
        "staff": staff,
        "reviewer": reviewer,
        "call": call,
        "first": first,
        "second": second,
    }


def score_fields(page) -> dict:
    form = page.context["adminform"].form
    return {name: field for name, field in form.fields.items() if name.startswith("score_")}


def test_the_add_page_shows_every_score_field_with_its_scale_before_any_save(client, world):
    client.force_login(world["reviewer"])
    page = client.get(ADD)  # from the list's "add" button: no idea chosen yet
    assert page.status_code == 200
    fields = score_fields(page)
    criteria = list(world["call"].criteria.all())
    assert set(fields) == {f"score_{c.pk}" for c in criteria}
    for field in fields.values():
        assert (field.min_value, field.max_value) == (0, 10)
        assert "۱۰" in field.label and "۱۰" in field.help_text  # the scale, Persian digits
    html = page.content.decode()
    for criterion in criteria:
        assert f'name="score_{criterion.pk}"' in html


def test_the_idea_pages_link_shows_the_fields_too_and_saves(client, world):
    client.force_login(world["reviewer"])
    url = ADD + f"?idea={world['first'].pk}"
    page = client.get(url)
    fields = score_fields(page)
    assert len(fields) == world["call"].criteria.count()
    data = {"idea": world["first"].pk, "comment": "خوب"} | {
        name: "۸"
        for name in fields  # typed in Persian digits
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:1500]
    review = IdeaReview.objects.get()
    assert set(review.scores.values_list("score", flat=True)) == {8}


def test_a_score_outside_the_scale_is_refused(client, world):
    client.force_login(world["reviewer"])
    url = ADD + f"?idea={world['first'].pk}"
    fields = score_fields(client.get(url))
    data = {"idea": world["first"].pk} | {name: 11 for name in fields}
    response = client.post(url, data)
    assert response.status_code == 200
    assert not IdeaReview.objects.exists()


def test_ideas_of_several_calls_reload_with_the_chosen_ideas_fields(client, world):
    other = make_call(
        centre=world["centre"],
        reviewers=[world["reviewer"]],
        title="خیاطی",
        criteria=[("کیفیت", 1)],
    )
    sewing = to_review(make_idea(other, title="ایده خیاطی"), world["staff"])
    client.force_login(world["reviewer"])
    page = client.get(ADD)
    # Which call's criteria is not known yet: choosing an idea reloads the page with them.
    assert 'data-reload-with="idea"' in page.content.decode()
    chosen = client.get(ADD, {"idea": sewing.pk})
    assert set(score_fields(chosen)) == {f"score_{c.pk}" for c in other.criteria.all()}


def test_a_single_waiting_idea_is_chosen_for_the_reviewer(client, world):
    from programs.services.ideas import idea_review_submit

    idea_review_submit(
        idea=world["first"],
        reviewer=world["reviewer"],
        scores={c.pk: 5 for c in world["call"].criteria.all()},
    )
    client.force_login(world["reviewer"])
    page = client.get(ADD)
    assert page.context["adminform"].form.initial.get("idea") == world["second"].pk


def test_a_forged_idea_of_another_centre_shows_no_fields_and_is_refused(client, world):
    elsewhere = CentreFactory(name="مرکز کرج")
    foreign_call = make_call(centre=elsewhere, title="بیرونی")
    their_staff = staff_user("staff.k", "centre_staff", elsewhere)
    foreign = to_review(make_idea(foreign_call, title="ایده بیرونی"), their_staff)
    client.force_login(world["reviewer"])
    page = client.get(ADD, {"idea": foreign.pk})
    # The forged id finds nothing: the page shows the reviewer's own call's fields.
    assert set(score_fields(page)) == {f"score_{c.pk}" for c in world["call"].criteria.all()}
    data = {"idea": foreign.pk} | {f"score_{c.pk}": 5 for c in foreign_call.criteria.all()}
    response = client.post(ADD + f"?idea={foreign.pk}", data)
    assert response.status_code == 200
    assert not IdeaReview.objects.exists()


def test_the_call_of_the_ideas_that_wait_gives_the_fields(client, world):
    from programs.services.ideas import idea_review_submit

    # The reviewer scored every idea of the sewing call; only the minakari call's wait.
    other = make_call(
        centre=world["centre"],
        reviewers=[world["reviewer"]],
        title="خیاطی",
        criteria=[("کیفیت", 1)],
    )
    sewing = to_review(make_idea(other, title="ایده خیاطی"), world["staff"])
    idea_review_submit(
        idea=sewing, reviewer=world["reviewer"], scores={c.pk: 6 for c in other.criteria.all()}
    )
    client.force_login(world["reviewer"])
    page = client.get(ADD)
    assert set(score_fields(page)) == {f"score_{c.pk}" for c in world["call"].criteria.all()}
