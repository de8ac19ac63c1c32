"""The admin's first page shows what waits for the person signed in, in their scope:
counts and links (kernel/waiting.py and each app's admin/waiting.py)."""

import datetime

import pytest
from django.urls import reverse

from centres.meetings import commitment_comment_submit, commitment_create
from centres.models import Headquarters, Partner
from empowerment.kernel.jalali import local_today, today_jalali
from tests.centres.factories import (
    ArticleFactory,
    CentreFactory,
    CommentFactory,
    HeadquartersFactory,
    PartnerFactory,
    make_meeting,
    make_resolution,
    staff_user,
)
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    make_call,
    make_idea,
    to_review,
)
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees.models import CohortInterest, Outcome, PossibleDuplicate
from trainees.services import business_message_send, catalogue_entry_create, outcome_record

pytestmark = pytest.mark.django_db

ROLES = ["centre_staff", "centre_manager", "reviewer", "hq_secretary", "partner_officer"]

# What each role of a centre's side is shown, and how many of its own side's rows: one of
# each, but two overdue resolutions (the centre's meeting's and the provincial HQ's) for
# those who see both meetings.
EXPECTED = {
    "centre_staff": {
        "sessions": 1,
        "comments": 1,
        "commitment_comments": 1,
        "business_messages": 1,
        "requests": 1,
        "duplicates": 1,
    },
    "centre_manager": {
        "sessions": 1,
        "comments": 1,
        "commitment_comments": 1,
        "business_messages": 1,
        "requests": 1,
        "resolutions": 1,
        "commitments": 1,
        "duplicates": 1,
    },
    "reviewer": {"ideas": 1},
    "hq_secretary": {"resolutions": 2, "commitments": 1, "commitment_comments": 1},
    "partner_officer": {"resolutions": 2, "commitments": 1},
}


def build_side(name: str, province: str, *, extra: int = 0) -> dict:
    """One centre with one row of every kind that waits (plus `extra` more of each), and
    a person in every role."""
    centre = CentreFactory(name=f"مرکز {name}", city__name=name, city__province__name=province)
    neighbourhood = centre.neighbourhoods.first()
    hq = HeadquartersFactory(
        name=f"قرارگاه {province}",
        level=Headquarters.Level.PROVINCIAL,
        province=centre.city.province,
    )
    partner = PartnerFactory(name=f"دستگاه {name}", kind=Partner.Kind.RELIEF)
    people = {
        "centre_staff": staff_user(f"staff.{name}", "centre_staff", centre),
        "centre_manager": staff_user(f"manager.{name}", "centre_manager", centre),
        "reviewer": staff_user(f"reviewer.{name}", "reviewer", centre),
        "hq_secretary": staff_user(f"secretary.{name}", "hq_secretary", hq),
        "partner_officer": staff_user(f"officer.{name}", "partner_officer", partner),
    }
    today = local_today()
    cohort = CohortFactory(
        centre=centre,
        start_date=today_jalali() - datetime.timedelta(days=30),
        end_date=today_jalali() + datetime.timedelta(days=30),
    )
    call = make_call(centre=centre, reviewers=[people["reviewer"]])
    for n in range(1 + extra):
        CohortSessionFactory(cohort=cohort, date=today_jalali(), start_time=datetime.time(8 + n))
        # Yesterday's session is not today's.
        CohortSessionFactory(
            cohort=cohort,
            date=today_jalali() - datetime.timedelta(days=1),
            start_time=datetime.time(8 + n),
        )
        CommentFactory(article=ArticleFactory(centre=centre))
        to_review(make_idea(call, title=f"ایده {n}"), people["centre_manager"])
        CohortInterest.objects.create(
            cohort=cohort, name="متقاضی", mobile=f"0913{len(name)}{n:06d}"
        )
        for body in (centre, hq):
            make_resolution(make_meeting(body), responsible=partner, deadline_in_days=-5)
        commitment = commitment_create(
            title="آسفالت معابر",
            promised_by="شهردار منطقه",
            neighbourhood=neighbourhood,
            due_date=today - datetime.timedelta(days=3),
            promiser_partner=partner,
            headquarters=hq,
        )
        commitment_comment_submit(
            commitment=commitment,
            name="ساکن",
            text="کی تمام می‌شود؟",
            ip_address=f"10.0.{n}.{len(name)}",
        )
        business = catalogue_entry_create(
            outcome=outcome_record(
                trainee=(owner := EnrolmentFactory(cohort=cohort)).trainee,
                enrolment=owner,
                kind=Outcome.Kind.HOME_BUSINESS,
                date=today_jalali(),
                follow_up_round=3,
            ),
            name=f"کارگاه {n}",
            description="میناکاری",
            owner_consents=True,
            user=people["centre_staff"],
        )
        business_message_send(
            entry=business,
            name="خریدار",
            contact="09120000000",
            text="سفارش",
            ip_address=f"10.1.{n}.{len(name)}",
        )
        PossibleDuplicate.objects.create(
            trainee=TraineeFactory(registered_at=centre), other=TraineeFactory(registered_at=centre)
        )
    return {"centre": centre, "people": people}


@pytest.fixture
def sides():
    return {
        "isfahan": build_side("اصفهان", "اصفهان"),
        "karaj": build_side("کرج", "البرز"),
    }


def waiting_counts(client, user) -> dict[str, int]:
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return {item.key: item.count for item in response.context["waiting"]}


@pytest.mark.parametrize("side", ["isfahan", "karaj"])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_counts_only_what_waits_in_its_scope(client, sides, side, role):
    # The other centre holds one of everything too: none of it is counted.
    assert waiting_counts(client, sides[side]["people"][role]) == EXPECTED[role]


def test_the_items_link_to_the_lists_that_hold_them(client, sides):
    manager = sides["isfahan"]["people"]["centre_manager"]
    client.force_login(manager)
    page = client.get(reverse("admin:index"))
    links = {item.key: item.url for item in page.context["waiting"]}
    assert links["sessions"] == reverse("admin:programs_cohortsession_today")
    # Each link opens a list showing exactly the rows counted.
    for key in ("comments", "requests", "resolutions", "commitments", "duplicates"):
        listed = client.get(links[key])
        assert listed.status_code == 200, key
        assert listed.context["cl"].result_count == EXPECTED["centre_manager"][key], key
    reviewer = sides["isfahan"]["people"]["reviewer"]
    client.force_login(reviewer)
    page = client.get(reverse("admin:index"))
    ideas = next(item for item in page.context["waiting"] if item.key == "ideas")
    assert client.get(ideas.url).context["cl"].result_count == 1
    assert 'id="waiting"' in page.content.decode()


def test_a_reviewed_idea_no_longer_waits(client, sides):
    from programs.services.ideas import idea_review_submit

    reviewer = sides["isfahan"]["people"]["reviewer"]
    idea = sides["isfahan"]["centre"].idea_calls.get().ideas.get()
    idea_review_submit(
        idea=idea,
        reviewer=reviewer,
        scores={c.pk: 7 for c in idea.call.criteria.all()},
        comment="",
    )
    assert waiting_counts(client, reviewer) == {"ideas": 0}


def test_the_first_page_takes_the_same_queries_whatever_waits(client, django_assert_num_queries):
    small = build_side("اصفهان", "اصفهان")
    large = build_side("کرج", "البرز", extra=4)
    counts = {}
    for side in (small, large):
        manager = side["people"]["centre_manager"]
        client.force_login(manager)
        client.get(reverse("admin:index"))  # the session's first read of the user
        with django_assert_num_queries(QUERIES_OF_MANAGER_INDEX):
            response = client.get(reverse("admin:index"))
        counts[manager.username] = {i.key: i.count for i in response.context["waiting"]}
    assert counts["manager.کرج"]["comments"] == 5
    assert counts["manager.اصفهان"]["comments"] == 1


# The manager's first page, whatever waits:
#  1 the session, 2 the user, 3-4 permissions (the user's own and their groups'),
#  5 the user's staff roles (scope), then one count per item: 6 today's sessions,
#  7 comments, 8 requests to join, 9 overdue resolutions, 10 overdue commitments,
#  11 possible duplicates, 12 comments on commitments, 13 messages to home businesses;
#  14 Django's "recent actions" box.
QUERIES_OF_MANAGER_INDEX = 14
