"""GET /api/v1/centres/: scope, filters, Persian search, ordering, Jalali dates."""

import pytest
from django.urls import reverse

from tests.centres.factories import (
    CentreFactory,
    DistrictFactory,
    NeighbourhoodFactory,
    UserFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


def _names(response):
    return [row["name"] for row in response.json()["results"]]


def test_staff_see_only_their_centre_and_another_centre_is_404(client_for, demo_centres):
    client = client_for(demo_centres["staff_karaj"])
    listed = client.get(reverse("api:centre-list"))
    assert listed.status_code == 200
    assert _names(listed) == ["مرکز کرج"]

    foreign = client.get(
        reverse("api:centre-detail", args=[demo_centres["isfahan"].pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "not_found"


def test_a_council_member_sees_the_centres_of_their_city(client_for, demo_centres):
    response = client_for(demo_centres["council_isfahan"]).get(reverse("api:centre-list"))
    assert sorted(_names(response)) == sorted(["مرکز توانمندسازی منطقه ۱۰ و ۱۴", "مرکز جلفا"])


def test_a_resident_sees_no_centre(client_for, demo_centres):
    resident = UserFactory(username="09121234567")
    response = client_for(resident).get(reverse("api:centre-list"))
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_not_signed_in_is_401(api_client, demo_centres):
    response = api_client.get(reverse("api:centre-list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "errors": {},
    }


def test_a_centre_has_iso_and_jalali_dates_and_its_area(client_for, demo_centres):
    admin = UserFactory(username="root", is_superuser=True)
    centre = demo_centres["karaj"]
    body = client_for(admin).get(reverse("api:centre-detail", args=[centre.pk])).json()
    assert body["opening_date"] == "2022-01-10"  # 1400-10-20 in the Gregorian calendar
    assert body["opening_date_jalali"] == "1400-10-20"
    assert body["city_name"] == "کرج" and body["province_name"] == "البرز"
    assert len(body["districts"]) == 1 and len(body["neighbourhoods"]) == 1


def test_filters_search_and_ordering(client_for, demo_centres):
    client = client_for(UserFactory(username="root", is_superuser=True))
    isfahan = demo_centres["isfahan"]
    url = reverse("api:centre-list")

    by_city = client.get(url, {"city": isfahan.city_id, "ordering": "-name"})
    assert _names(by_city) == ["مرکز جلفا", "مرکز توانمندسازی منطقه ۱۰ و ۱۴"]
    by_province = client.get(url, {"province": demo_centres["karaj"].city.province_id})
    assert _names(by_province) == ["مرکز کرج"]
    active = client.get(url, {"city": isfahan.city_id, "is_active": "false"})
    assert _names(active) == ["مرکز جلفا"]

    # Arabic yeh/kaf and ASCII digits find a name stored with Persian letters and digits.
    assert _names(client.get(url, {"search": "منطقه 14"})) == ["مرکز توانمندسازی منطقه ۱۰ و ۱۴"]
    assert _names(client.get(url, {"search": "مركز كرج"})) == ["مرکز کرج"]

    bad = client.get(url, {"city": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"city": ["Enter a whole number."]}


def test_page_size_is_capped(client_for, demo_centres):
    client = client_for(UserFactory(username="root", is_superuser=True))
    body = client.get(reverse("api:centre-list"), {"page_size": 1}).json()
    assert body["count"] == 3 and len(body["results"]) == 1 and body["next"]
    past_end = client.get(reverse("api:centre-list"), {"page": 9})
    assert past_end.status_code == 404


def test_centre_list_query_count_does_not_grow_with_rows(
    client_for, demo_centres, django_assert_num_queries
):
    karaj = demo_centres["karaj"]
    for n in range(5):
        district = DistrictFactory(city=karaj.city)
        CentreFactory(
            name=f"مرکز شماره {n}",
            city=karaj.city,
            neighbourhoods=[NeighbourhoodFactory(district=district)],
        )
    client = client_for(staff_user("council.karaj", "council_member", karaj.city))
    # force_authenticate: no session or token query.
    # 1 staff roles of the user (scope), 2 COUNT of visible centres, 3 the page of centres
    # with city and province joined, 4 their districts, 5 their neighbourhoods.
    with django_assert_num_queries(5):
        response = client.get(reverse("api:centre-list"))
    assert response.json()["count"] == 6
