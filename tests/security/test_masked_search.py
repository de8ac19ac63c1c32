"""Class 3: a number shown masked cannot be recovered by search, ordering or filtering.

Council members (and viewers) see national codes and mobiles masked, reviewers see
submitters' mobiles masked. A search that matched a code by prefix or a mobile by substring
gave the number away a digit at a time. For those people only the whole number finds a row,
and the admin does not order or filter by it. Attacked through the API and the admin.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from centres.services import staff_role_assign
from tests.centres.factories import staff_user
from tests.programs.factories import make_call, make_idea, reviewer_of
from tests.trainees.factories import TraineeFactory
from trainees.demo import national_code

pytestmark = pytest.mark.django_db

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture
def world(two_centres):
    isfahan = two_centres["isfahan"]
    # Names without digits: the factories number their names, and a name holding "9" would
    # be found by the term "9" through the name, not through the masked number.
    trainee = TraineeFactory(
        registered_at=isfahan,
        first_name="مریم",
        last_name="آزمون",
        national_code=national_code(777),
        mobile="09137771234",
    )
    for last_name in ("احمدی", "کریمی", "رضایی"):
        TraineeFactory(registered_at=isfahan, last_name=last_name)
    council = staff_user("council.a", "council_member", isfahan.city)
    # A council member who also works in the admin sees numbers masked there too.
    council_staff = staff_user("council.staff", "centre_staff", isfahan)
    staff_role_assign(user=council_staff, role="council_member", scope=isfahan.city)
    return {**two_centres, "trainee": trainee, "council": council, "council_staff": council_staff}


def _api_ids(user, **params):
    api = APIClient()
    api.force_authenticate(user)
    response = api.get(reverse("api:trainee-list"), params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _recovery_terms(trainee):
    """What digit-by-digit recovery sends: a code's start, a mobile's middle."""
    code, mobile = trainee.national_code, trainee.mobile
    return [code[:1], code[:4], code[:9], mobile[3:8], mobile[-4:], mobile[:10]]


def test_api_council_member_cannot_recover_numbers_by_partial_search(world):
    trainee = world["trainee"]
    for term in _recovery_terms(trainee):
        # The same search works for staff, who see the numbers whole: the attack is real.
        assert trainee.pk in _api_ids(world["staff_isfahan"], search=term), term
        assert trainee.pk not in _api_ids(world["council"], search=term), term


def test_api_council_member_finds_a_person_by_the_whole_number(world):
    trainee = world["trainee"]
    for term in (
        trainee.national_code,
        trainee.national_code.translate(PERSIAN),
        trainee.mobile,
        "98" + trainee.mobile[1:],
    ):
        assert _api_ids(world["council"], search=term) == [trainee.pk], term


def _admin_ids(client, **params):
    response = client.get(reverse("admin:trainees_trainee_changelist"), params)
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list], response


def test_admin_masked_user_cannot_recover_numbers_by_partial_search(client, world):
    trainee = world["trainee"]
    client.force_login(world["staff_isfahan"])
    for term in _recovery_terms(trainee):
        assert trainee.pk in _admin_ids(client, q=term)[0], term
    client.force_login(world["council_staff"])
    for term in _recovery_terms(trainee):
        assert trainee.pk not in _admin_ids(client, q=term)[0], term
    ids, page = _admin_ids(client, q=trainee.national_code.translate(PERSIAN))
    assert ids == [trainee.pk]
    assert _admin_ids(client, q=trainee.mobile)[0] == [trainee.pk]
    # The list shows the numbers masked.
    assert trainee.national_code not in page.content.decode()
    assert trainee.mobile not in page.content.decode()


def test_admin_masked_user_cannot_order_or_filter_by_numbers(client, world):
    client.force_login(world["council_staff"])
    url = reverse("admin:trainees_trainee_changelist")
    for column in range(7):
        for sign in ("", "-"):
            response = client.get(url, {"o": f"{sign}{column}"})
            assert response.status_code == 200
            ordering = " ".join(map(str, response.context["cl"].queryset.query.order_by))
            assert "national_code" not in ordering and "mobile" not in ordering
    code = world["trainee"].national_code
    for lookup in ("national_code__startswith", "mobile__contains", "national_code__gt"):
        response = client.get(url, {lookup: code[:3]})
        assert response.status_code == 400 or world["trainee"].pk not in [
            row.pk for row in response.context["cl"].result_list
        ]
    # Staff who see numbers whole keep the sort.
    client.force_login(world["staff_isfahan"])
    response = client.get(url, {"o": "2"})
    assert "national_code" in " ".join(map(str, response.context["cl"].queryset.query.order_by))


def test_admin_reviewer_cannot_recover_a_submitters_mobile(client, two_centres):
    isfahan = two_centres["isfahan"]
    reviewer = reviewer_of(isfahan, "reviewer.a")
    call = make_call(centre=isfahan, reviewers=[reviewer])
    idea = make_idea(call, submitter_mobile="09135551234")
    client.force_login(reviewer)
    url = reverse("admin:programs_idea_changelist")
    for term in ("0913555", "5551234", "1234"):
        response = client.get(url, {"q": term})
        assert response.status_code == 200
        assert idea.pk not in [row.pk for row in response.context["cl"].result_list], term
    response = client.get(url, {"q": "۰۹۱۳۵۵۵۱۲۳۴"})
    assert [row.pk for row in response.context["cl"].result_list] == [idea.pk]


def test_possible_duplicates_show_masked_codes_to_a_masked_reader(client, world):
    """The duplicates list computes its code columns itself: they are masked too."""
    from trainees.models import PossibleDuplicate, Trainee

    trainee = world["trainee"]
    other = Trainee.objects.exclude(pk=trainee.pk).filter(registered_at=trainee.registered_at)
    PossibleDuplicate.objects.create(trainee=trainee, other=other.first())
    url = reverse("admin:trainees_possibleduplicate_changelist")
    client.force_login(world["staff_isfahan"])
    assert trainee.national_code in client.get(url).content.decode()
    client.force_login(world["council_staff"])
    page = client.get(url)
    assert page.status_code == 200
    assert trainee.national_code not in page.content.decode()
    assert trainee.national_code[-2:] in page.content.decode()
