"""Requests to join a cohort (from the public portal): the services' rules, and the admin
page where the cohort's centre staff, and only they, follow them up."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.models import Cohort
from tests.codes import message_codes
from tests.programs.factories import CohortFactory
from tests.public.conftest import days_from_today
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees import services
from trainees.models import CohortInterest

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:trainees_cohortinterest_changelist"


def planned(centre, **kwargs):
    return CohortFactory(
        centre=centre,
        status=Cohort.Status.PLANNED,
        start_date=days_from_today(10),
        end_date=days_from_today(90),
        **kwargs,
    )


@pytest.fixture
def interests(isfahan, karaj):
    mine = services.cohort_interest_register(
        cohort=planned(isfahan, title="میناکاری اصفهان"), name="زهرا کاظمی", mobile="09121110001"
    )[0]
    theirs = services.cohort_interest_register(
        cohort=planned(karaj, title="خیاطی کرج"), name="مینا رضایی", mobile="09121110002"
    )[0]
    return {"mine": mine, "theirs": theirs}


def test_register_is_idempotent_per_mobile_and_refuses_a_cohort_not_open(isfahan):
    cohort = planned(isfahan)
    first, created = services.cohort_interest_register(
        cohort=cohort, name="زهرا", mobile="+989121110001"
    )
    again, created_again = services.cohort_interest_register(
        cohort=cohort, name="زهرا ک", mobile="09121110001"
    )
    assert created and not created_again and again == first
    assert CohortInterest.objects.get().mobile == "09121110001"
    running = CohortFactory(centre=isfahan, title="دوره جاری")
    with pytest.raises(ValidationError) as refused:
        services.cohort_interest_register(cohort=running, name="زهرا", mobile="09121110001")
    assert refused.value.code == "cohort_not_open"


def test_staff_see_only_their_centres_requests(client, two_centres, interests):
    client.force_login(two_centres["staff_isfahan"])
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    body = page.content.decode()
    assert "زهرا کاظمی" in body and "مینا رضایی" not in body
    other = reverse("admin:trainees_cohortinterest_change", args=[interests["theirs"].pk])
    # Another centre's request is "not found": the admin sends the reader back to its index.
    assert client.get(other)["Location"] == reverse("admin:index")
    # Nobody adds requests in the admin: they come from residents.
    assert client.get(reverse("admin:trainees_cohortinterest_add")).status_code == 403


def test_a_forged_id_in_an_action_changes_nothing_outside_the_scope(client, two_centres, interests):
    client.force_login(two_centres["staff_isfahan"])
    client.post(
        reverse(CHANGELIST),
        {"action": "mark_contacted", "_selected_action": [interests["theirs"].pk]},
    )
    interests["theirs"].refresh_from_db()
    assert interests["theirs"].state == CohortInterest.State.NEW


def test_staff_mark_contacted_then_enrolled_once_the_trainee_is_enrolled(
    client, two_centres, interests
):
    client.force_login(two_centres["staff_isfahan"])
    mine = interests["mine"]
    client.post(reverse(CHANGELIST), {"action": "mark_contacted", "_selected_action": [mine.pk]})
    mine.refresh_from_db()
    assert mine.state == CohortInterest.State.CONTACTED

    # Not enrolled yet: the request is not marked enrolled, and the page says why.
    refused = client.post(
        reverse(CHANGELIST),
        {"action": "mark_enrolled", "_selected_action": [mine.pk]},
        follow=True,
    )
    assert message_codes(refused) == ["not_enrolled_yet"]
    mine.refresh_from_db()
    assert mine.state == CohortInterest.State.CONTACTED

    trainee = TraineeFactory(mobile=mine.mobile, registered_at=mine.cohort.centre)
    EnrolmentFactory(trainee=trainee, cohort=mine.cohort)
    client.post(reverse(CHANGELIST), {"action": "mark_enrolled", "_selected_action": [mine.pk]})
    mine.refresh_from_db()
    assert mine.state == CohortInterest.State.ENROLLED
    assert mine.history.first().history_user == two_centres["staff_isfahan"]


def test_changelist_query_count_does_not_grow(
    client, two_centres, isfahan, django_assert_num_queries
):
    cohort = planned(isfahan)
    for n in range(5):
        services.cohort_interest_register(cohort=cohort, name=f"ساکن {n}", mobile=f"0912111000{n}")
    client.force_login(two_centres["staff_isfahan"])
    # 1 session, 2 user, 3-4 permissions (user, groups), 5 staff roles (scope), 6 cohort
    # filter choices, 7 count, 8 the page of requests with cohort and neighbourhood.
    with django_assert_num_queries(8):
        assert client.get(reverse(CHANGELIST)).status_code == 200
