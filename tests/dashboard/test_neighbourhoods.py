"""The neighbourhoods dashboard: figures per district and neighbourhood, within scope."""

from decimal import Decimal

import pytest
from django.urls import reverse

from centres.models import Indicator
from empowerment.dashboards.summaries import summaries_refresh
from empowerment.dashboards.tasks import dashboards_refresh_summaries
from tests.centres.factories import IndicatorFactory, staff_user

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:neighbourhoods")


def figure(response, slug):
    return next(f for f in response.context["figures"] if f.slug == slug)


def by_label(fig, key="label"):
    """The figure's rows by label; the total rows (their labels are wording) as "_total"."""
    return {"_total" if row.get("_total") else str(row[key]): row for row in fig.rows}


def test_council_member_of_isfahan_sees_isfahan_districts_not_karaj(council_client):
    response = council_client.get(URL, {"year": 1403})
    assert response.status_code == 200
    districts = by_label(figure(response, "districts"))
    assert set(districts) == {"منطقه ۱۴", "منطقه ۱۰", "منطقه ۳", "_total"}
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
    # The total rows: all the districts shown, then the rest of the chosen one's city.
    _all_shown, rest = [r for r in figure(response, "districts").rows if r.get("_total")]
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
    summaries_refresh()
    q2 = by_label(
        figure(council_client.get(URL, {"year": 1403, "quarter": 2}), "neighbourhoods"),
        "neighbourhood_name",
    )
    assert q2["حصه"]["population"] == 31000 and q2["حصه"]["figure_quarter"] == 2
    assert q2["جلوان"]["population"] == 10000 and q2["جلوان"]["figure_quarter"] is None
    year = by_label(
        figure(council_client.get(URL, {"year": 1403}), "neighbourhoods"), "neighbourhood_name"
    )
    assert year["حصه"]["population"] == 30000  # the yearly figure wins for the year


def test_centre_staff_see_their_centres_area(client, centre_staff):
    client.force_login(centre_staff)
    response = client.get(URL, {"year": 1403})
    assert set(by_label(figure(response, "districts"))) == {"منطقه ۱۴", "منطقه ۱۰", "_total"}
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


@pytest.mark.parametrize("who", ["council member", "centre staff"])
def test_query_count_is_pinned(django_assert_num_queries, client, places, who):
    user = {
        "council member": lambda: staff_user(
            "council.isfahan", "council_member", places["isfahan"]
        ),
        "centre staff": lambda: staff_user("staff.centre", "centre_staff", places["centre"]),
    }[who]()
    client.force_login(user)
    # Warm what does not belong to the page: the session's user is loaded per request.
    client.get(URL, {"year": 1403})
    for key in ("jolfa", "arzanan"):
        IndicatorFactory(neighbourhood=places["neighbourhoods"][key], year=1403, quarter=1)
    summaries_refresh()
    with django_assert_num_queries(13):
        # 1 session, 2 user, 3 the user's staff roles (scope), 4-5 permissions of the user
        # and of their groups (may they open the page), 6 when the summaries were rebuilt,
        # 7-11 choices of province, city, district, neighbourhood and centre, 12 districts'
        # figures (summed per district for a centre, which may see part of one), 13
        # neighbourhoods' figures. More neighbourhoods, districts or periods add no query.
        response = client.get(URL, {"year": 1403, "quarter": 1})
    assert response.status_code == 200
    assert figure(response, "neighbourhoods").rows


def test_without_a_year_the_page_opens_on_the_latest_year_with_figures(
    django_assert_num_queries, council_client
):
    council_client.get(URL)
    with django_assert_num_queries(14):
        # The 13 of the pinned test above, and 14 the latest year with figures.
        response = council_client.get(URL)
    assert response.context["filters"].period.year == 1404
    assert figure(response, "districts").rows


def test_choosing_a_centre_narrows_the_districts_to_the_neighbourhoods_it_serves(
    council_client, places
):
    response = council_client.get(URL, {"year": 1403, "centre": places["centre"].pk})
    districts = by_label(figure(response, "districts"))
    assert set(districts) == {"منطقه ۱۴", "منطقه ۱۰", "_total"}
    # District 10 counts Arzanan, the neighbourhood the centre serves there, not Jolfa.
    arzanan = Indicator.objects.get(neighbourhood__name="ارزنان", year=1403, quarter=None)
    assert districts["منطقه ۱۰"]["population"] == arzanan.population
    assert districts["منطقه ۱۰"]["neighbourhoods"] == 1


def test_a_figure_changed_in_the_admin_reaches_the_page_with_the_next_refresh(admin_client, places):
    """The page reads the summary tables that the beat task rebuilds every two minutes."""
    admin_client.get(URL, {"year": 1403})  # the tables are rebuilt, then fresh
    hesseh = Indicator.objects.get(neighbourhood__name="حصه", year=1403, quarter=None)
    change = reverse("admin:centres_indicator_change", args=[hesseh.pk])
    form = admin_client.get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(neighbourhood=hesseh.neighbourhood_id, population=33000)
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    shown = by_label(
        figure(admin_client.get(URL, {"year": 1403}), "neighbourhoods"), "neighbourhood_name"
    )
    assert shown["حصه"]["population"] == 30000  # not yet: the figures are as of the refresh
    dashboards_refresh_summaries.delay()  # what beat runs every two minutes
    response = admin_client.get(URL, {"year": 1403})
    shown = by_label(figure(response, "neighbourhoods"), "neighbourhood_name")
    assert shown["حصه"]["population"] == 33000
    assert by_label(figure(response, "districts"))["منطقه ۱۴ · اصفهان"]["population"] == 43000
    assert 'class="as-of"' in response.content.decode()  # "Figures as of ..."
