"""The neighbourhoods dashboard: figures per district and neighbourhood, within scope."""

from decimal import Decimal

import pytest
from django.urls import reverse

from centres.models import Indicator
from tests.centres.factories import staff_user
from tests.centres.factories_indicators import IndicatorFactory

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:neighbourhoods")


def figure(response, slug):
    return next(f for f in response.context["figures"] if f.slug == slug)


def by_label(fig, key="label"):
    return {str(row[key]): row for row in fig.rows}


def test_council_member_of_isfahan_sees_isfahan_districts_not_karaj(council_client):
    response = council_client.get(URL, {"year": 1403})
    assert response.status_code == 200
    districts = by_label(figure(response, "districts"))
    assert set(districts) == {"منطقه ۱۴", "منطقه ۱۰", "منطقه ۳", "همه مناطق نمایش‌داده‌شده"}
    neighbourhoods = {r["neighbourhood_name"] for r in figure(response, "neighbourhoods").rows}
    assert neighbourhoods == {"حصه", "جلوان", "ارزنان", "جلفا"}
    html = response.content.decode()
    assert "اسلام‌آباد" not in html and "کرج" not in html


def test_district_figures_are_population_weighted_and_match_the_database(council_client):
    response = council_client.get(URL, {"year": 1403})
    d14 = by_label(figure(response, "districts"))["منطقه ۱۴"]
    rows = Indicator.objects.filter(year=1403, neighbourhood__district__number=14)
    population = sum(r.population for r in rows)
    youth = sum(r.population * r.youth_share for r in rows) / population
    assert d14["population"] == population == 40000
    assert d14["youth_share"] == youth == Decimal("31")
    assert d14["over_65_share"] == Decimal("4.5")
    # District 14: the youngest district and the fewest people over 65 (DOMAIN.md).
    districts = [r for r in figure(response, "districts").rows if not r.get("_total")]
    assert max(districts, key=lambda r: r["youth_share"]) is d14
    assert min(districts, key=lambda r: r["over_65_share"]) is d14
    problems = by_label(figure(response, "problems"))["منطقه ۱۴"]
    assert problems["addiction_level"] == Decimal("2.5")  # (3 × 30000 + 1 × 10000) / 40000
    html = response.content.decode()
    assert "۴۰٬۰۰۰" in html and "۳۱٫۰" in html  # Persian digits in the table


def test_choosing_district_14_compares_it_with_the_rest_of_the_city(council_client, places):
    d14 = places["districts"]["d14"]
    response = council_client.get(URL, {"year": 1403, "district": d14.pk})
    districts = by_label(figure(response, "districts"))
    assert districts["منطقه ۱۴"]["_highlight"]
    rest = districts["بقیه اصفهان"]
    assert rest["population"] == 35000
    assert rest["youth_share"] == Decimal(520000 + 300000) / 35000
    # The neighbourhood table is narrowed to the district.
    names = {r["neighbourhood_name"] for r in figure(response, "neighbourhoods").rows}
    assert names == {"حصه", "جلوان"}


def test_changing_the_year_changes_the_figures(council_client):
    before = by_label(figure(council_client.get(URL, {"year": 1403}), "districts"))
    after = by_label(figure(council_client.get(URL, {"year": 1404}), "districts"))
    # 1404: unemployment two points lower in each neighbourhood, populations 1000 larger.
    assert before["منطقه ۱۴"]["unemployment_rate"] == Decimal(17)
    assert after["منطقه ۱۴"]["unemployment_rate"] == Decimal(31000 * 16 + 11000 * 12) / 42000
    assert after["منطقه ۱۴"]["population"] == 42000
    assert figure(council_client.get(URL, {"year": 1401}), "districts").rows == []


def test_a_quarter_uses_its_own_figures_or_else_the_years(council_client, places):
    hesseh = places["neighbourhoods"]["hesseh"]
    IndicatorFactory(neighbourhood=hesseh, year=1403, quarter=2, population=31000)
    q2 = by_label(
        figure(council_client.get(URL, {"year": 1403, "quarter": 2}), "neighbourhoods"),
        "neighbourhood_name",
    )
    assert q2["حصه"]["population"] == 31000 and q2["حصه"]["quarter"] == 2
    assert q2["جلوان"]["population"] == 10000 and q2["جلوان"]["quarter"] is None
    year = by_label(
        figure(council_client.get(URL, {"year": 1403}), "neighbourhoods"), "neighbourhood_name"
    )
    assert year["حصه"]["population"] == 30000  # the yearly figure wins for the year


def test_centre_staff_see_their_centres_area(client, centre_staff):
    client.force_login(centre_staff)
    response = client.get(URL, {"year": 1403})
    assert set(by_label(figure(response, "districts"))) == {
        "منطقه ۱۴",
        "منطقه ۱۰",
        "همه مناطق نمایش‌داده‌شده",
    }
    names = {r["neighbourhood_name"] for r in figure(response, "neighbourhoods").rows}
    assert names == {"حصه", "جلوان", "ارزنان"}


def test_a_provincial_council_member_sees_only_their_province(client, places):
    member = staff_user("alborz", "council_member", places["karaj"].province)
    client.force_login(member)
    response = client.get(URL, {"year": 1403})
    names = {r["neighbourhood_name"] for r in figure(response, "neighbourhoods").rows}
    assert names == {"اسلام‌آباد"}


def test_charts_and_tables_and_exports_are_on_the_page(council_client, places):
    response = council_client.get(URL, {"year": 1403, "city": places["isfahan"].pk})
    html = response.content.decode()
    assert html.count("<canvas") == 3
    assert 'id="chart-districts-data" type="application/json"' in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html
    export = reverse("dashboard:neighbourhoods-export", kwargs={"figure": "districts"})
    assert f'href="{export}?year=1403&amp;city={places["isfahan"].pk}"' in html


def test_query_count_is_pinned(django_assert_num_queries, council_client, places):
    # Warm what does not belong to the page: the session's user is loaded per request.
    council_client.get(URL, {"year": 1403})
    for key in ("jolfa", "arzanan"):
        IndicatorFactory(neighbourhood=places["neighbourhoods"][key], year=1403, quarter=1)
    with django_assert_num_queries(12):
        # 1 session, 2 user, 3 the user's staff roles (scope), 4-5 permissions of the user
        # and of their groups (may they open the page), 6-10 choices of province, city,
        # district, neighbourhood and centre, 11 districts' aggregates, 12 neighbourhoods'
        # figures. More neighbourhoods, districts or periods add no query.
        response = council_client.get(URL, {"year": 1403, "quarter": 1})
    assert response.status_code == 200


def test_without_a_year_the_page_opens_on_the_latest_year_with_figures(
    django_assert_num_queries, council_client
):
    council_client.get(URL)
    with django_assert_num_queries(13):
        # The 12 of the pinned test above, and 13 the latest year with figures.
        response = council_client.get(URL)
    assert response.context["filters"].period.year == 1404
    assert figure(response, "districts").rows
