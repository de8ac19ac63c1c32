"""Every list endpoint costs the same number of queries whatever the page size and rows.

Users are signed in with force_authenticate: no session or token query. Each count is
pinned twice, with few rows and with more rows on a bigger page, so that a query per row
would show.
"""

import datetime
import uuid

import pytest
from django.urls import reverse

from centres.meetings import commitment_create
from centres.scope import forget_scope
from empowerment.kernel.jalali import local_today
from programs.services.ideas import idea_review_submit
from tests.api.world import build_world
from tests.centres.factories import make_meeting, make_resolution
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    make_call,
    make_idea,
    reviewer_of,
    to_review,
)
from tests.trainees.factories import EnrolmentFactory
from trainees.models import Attendance
from trainees.services import outcome_record

pytestmark = pytest.mark.django_db

# endpoint -> (queries, what each is)
EXPECTED = {
    # 1 staff roles (scope), 2 COUNT, 3 the page with programme and centre joined and
    # seats counted
    "cohort": (3, "scope, count, page"),
    "programme": (2, "count, page (the catalogue needs no scope)"),
    "session": (3, "scope, count, page"),
    # cursor pagination: no COUNT
    "trainee": (2, "scope, page"),
    "enrolment": (3, "scope, count, page with trainee and cohort joined"),
    "attendance": (2, "scope, page with session and enrolment joined"),
    "outcome": (3, "scope, count, page"),
    "idea-call": (4, "scope, count, page with centre, its criteria"),
    "idea": (3, "scope, count, page with call"),
    "review": (4, "scope, count, page with idea, their scores"),
    "meeting": (4, "scope, count, page with bodies, agenda items"),
    "resolution": (4, "scope, count, page with meeting and partner, co-operating partners"),
    "commitment": (4, "scope, count, page with neighbourhood, milestones"),
    "centre": (5, "scope, count, page with city, districts, neighbourhoods"),
}


def _more_rows(world, n):
    """n more rows of every resource on the own side."""
    own = world["own"]
    centre, users = own["centre"], own["users"]
    for i in range(n):
        cohort = CohortFactory(
            centre=centre,
            start_date=local_today() - datetime.timedelta(days=30),
            end_date=local_today() + datetime.timedelta(days=60),
        )
        session = CohortSessionFactory(cohort=cohort, date=local_today())
        enrolment = EnrolmentFactory(cohort=cohort, trainee__registered_at=centre)
        Attendance.objects.create(
            session=session, enrolment=enrolment, status="present", client_uuid=uuid.uuid4()
        )
        outcome_record(
            trainee=enrolment.trainee, kind="employed", date=local_today(), follow_up_round=3
        )
        reviewer = reviewer_of(centre, f"reviewer.more.{i}")
        call = make_call(centre=centre, reviewers=[reviewer], title=f"فراخوان {i}")
        idea = make_idea(call)
        to_review(idea, users["centre_staff"])
        idea_review_submit(
            idea=idea, reviewer=reviewer, scores={c.pk: 5 for c in call.criteria.all()}
        )
        meeting = make_meeting(centre, agenda=["دستور یک", "دستور دو"])
        make_resolution(meeting, responsible=own["partner"], cooperating=[own["partner"]])
        commitment_create(
            title=f"تعهد {i}",
            promised_by="شهردار",
            neighbourhood=centre.neighbourhoods.get(),
            due_date=local_today(),
            milestones=[("گام یک", None), ("گام دو", None)],
        )


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_list_query_count_is_constant(endpoint, django_assert_num_queries):
    from rest_framework.test import APIClient

    world = build_world()
    expected, _what = EXPECTED[endpoint]
    user = world["users"]["administrator" if endpoint == "programme" else "centre_manager"]

    def count(page_size):
        client = APIClient()
        forget_scope(user)  # the scope query is counted on every request
        client.force_authenticate(user)
        with django_assert_num_queries(expected):
            response = client.get(reverse(f"api:{endpoint}-list"), {"page_size": page_size})
        assert response.status_code == 200
        return len(response.json()["results"])

    small = count(1)
    _more_rows(world, 4)
    large = count(50)
    # (No centre is added: their growth is pinned in test_centres.py.)
    assert large > small or endpoint == "centre"
