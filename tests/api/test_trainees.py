"""GET /api/v1/trainees/: search however a name is typed, codes in Persian digits, cursor."""

import pytest
from django.urls import reverse
from rest_framework import serializers

from tests.api.world import build_world
from tests.trainees.factories import TraineeFactory
from trainees.api.serializers import TraineeSerializer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def _client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def _ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_search_by_name_however_typed_and_by_codes_in_persian_digits(world):
    centre = world["own"]["centre"]
    zahra = TraineeFactory(
        registered_at=centre,
        first_name="زهرا",
        last_name="محمدی‌نیا",
        national_code="0012345679",
        mobile="09351234567",
    )
    TraineeFactory(registered_at=centre, first_name="مریم", last_name="کریمی")
    client = _client(world["own"]["users"]["centre_staff"])
    url = reverse("api:trainee-list")
    for term in [
        "زهرا محمدي نيا",
        "محمدینیا",
        "زهرا  محمدی‌نیا",
        "۰۰۱۲۳۴۵",
        "۰۹۳۵۱۲۳",
        "۹۳۵۱۲۳۴۵۶۷",
    ]:
        assert _ids(client.get(url, {"search": term})) == [zahra.pk], term
    # The other centre's trainee is not found even by exact code.
    foreign = world["foreign"]["rows"]["trainee"]
    assert _ids(client.get(url, {"search": foreign.national_code})) == []


def test_cursor_pages_have_no_count_and_walk_every_row(world):
    centre = world["own"]["centre"]
    for _ in range(4):
        TraineeFactory(registered_at=centre)
    client = _client(world["own"]["users"]["centre_staff"])
    first = client.get(reverse("api:trainee-list"), {"page_size": 2}).json()
    assert "count" not in first and first["next"]
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    seen = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert len(seen) == len(set(seen)) == 5 and seen == sorted(seen, reverse=True)


@pytest.mark.parametrize("role", ["centre_staff", "council_member"])
def test_the_hand_written_representation_equals_the_declared_fields(world, role):
    """TraineeSerializer writes its rows by hand for speed; compare with DRF's own loop."""
    from rest_framework.test import APIRequestFactory

    trainee = world["own"]["rows"]["trainee"]
    request = APIRequestFactory().get("/")
    request.user = world["own"]["users"][role]
    serializer = TraineeSerializer(trainee, context={"request": request})
    generic = serializers.ModelSerializer.to_representation(serializer, trainee)
    assert serializer.data == generic
    assert ("*" in serializer.data["mobile"]) is (role == "council_member")
