"""The filter form: Jalali periods, choices within scope, refusals that never widen it."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import QueryDict
from django.urls import reverse

from centres.models import Neighbourhood
from empowerment.dashboards.filters import DashboardFilterForm, Period
from empowerment.dashboards.models import IndicatorSummary
from empowerment.dashboards.selectors import INDICATOR_PATHS
from empowerment.dashboards.summaries import summaries_refresh

pytestmark = pytest.mark.django_db


def form(user, query=""):
    return DashboardFilterForm(QueryDict(query), user=user)


def test_a_quarter_is_three_jalali_months_not_gregorian_ones():
    # Quarter 1 of 1403 runs from 1 Farvardin (20 March 2024) to the end of Khordad.
    assert Period(1403, 1).bounds == (datetime.date(2024, 3, 20), datetime.date(2024, 6, 21))
    assert Period(1403, None).bounds == (datetime.date(2024, 3, 20), datetime.date(2025, 3, 21))
    assert Period(1403, 4).end == datetime.date(2025, 3, 21)


def test_period_date_filter_keeps_the_period_only():
    condition = Period(1403, 1).date_filter("created_at")
    assert dict(condition.children) == {
        "created_at__gte": datetime.date(2024, 3, 20),
        "created_at__lt": datetime.date(2024, 6, 21),
    }


def test_choices_are_limited_to_the_users_scope(council_member, places):
    f = form(council_member)
    assert [label for _v, label in f.fields["city"].choices][1:] == ["اصفهان"]
    districts = {label for _v, label in f.fields["district"].choices}
    assert "منطقه ۵" not in districts and "منطقه ۱۴" in districts
    neighbourhoods = {label for _v, label in f.fields["neighbourhood"].choices}
    assert "اسلام‌آباد" not in neighbourhoods


def test_a_place_outside_the_scope_is_refused_and_ignored(council_member, places):
    f = form(council_member, f"year=1403&city={places['karaj'].pk}")
    assert not f.is_valid()
    assert "city" in f.errors
    assert f.selection == {}
    # The selector still reads Isfahan only: the refused value did not widen anything.
    summaries_refresh()
    rows = f.restrict(IndicatorSummary.objects.visible_to(council_member), INDICATOR_PATHS)
    assert rows.filter(city=places["isfahan"]).exists()
    assert not rows.filter(city=places["karaj"]).exists()


def test_a_refused_filter_is_shown_and_the_page_still_answers(council_client, places):
    url = reverse("dashboard:neighbourhoods")
    response = council_client.get(url, {"year": 1403, "neighbourhood": 999999})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    names = {r["neighbourhood_name"] for r in response.context["figures"][2].rows}
    assert names == {"حصه", "جلوان", "ارزنان", "جلفا"}


def test_a_chosen_city_narrows_its_districts_and_refuses_others(client, places):
    from tests.centres.factories import UserFactory

    admin = UserFactory(username="root", is_superuser=True)
    isfahan, karaj = places["isfahan"], places["karaj"]
    f = form(admin, f"city={karaj.pk}&district={places['districts']['d14'].pk}")
    assert {v for v, _l in f.fields["district"].choices} == {"", str(places["districts"]["k5"].pk)}
    assert "district" in f.errors
    assert f.selection == {"city": karaj.pk}
    f = form(admin, f"city={isfahan.pk}&district={places['districts']['d14'].pk}")
    assert f.is_valid(), f.errors
    assert f.selection == {"city": isfahan.pk, "district": places["districts"]["d14"].pk}


def test_lists_are_read_only_once_a_parent_narrows_them(django_assert_num_queries, places):
    """A country's places are not all loaded on every page: with two provinces and none
    chosen, only the provinces are listed and read; a link naming a district alone is read
    (that row, to check it) and still valid."""
    from tests.centres.factories import UserFactory

    admin = UserFactory(username="root", is_superuser=True)
    with django_assert_num_queries(1):  # the provinces
        f = form(admin)
        hints = {name: f.fields[name].choices for name in ("city", "district", "centre")}
    assert all(len(choices) == 1 and choices[0][0] == "" for choices in hints.values())
    assert "neighbourhood" in f.fields and len(f.fields["neighbourhood"].choices) == 1
    d14 = places["districts"]["d14"]
    with django_assert_num_queries(2):  # the provinces, the district named
        f = form(admin, f"district={d14.pk}")
        assert f.is_valid(), f.errors
    assert f.selection == {"district": d14.pk}
    assert f.district_city == {d14.pk: places["isfahan"].pk}
    assert f.names["district"][d14.pk] == "منطقه ۱۴ · اصفهان"  # several cities: named
    # Within a province chosen, a district of another province is refused.
    f = form(admin, f"province={places['karaj'].province_id}&district={d14.pk}")
    assert "district" in f.errors and "district" not in f.selection


def test_year_defaults_and_quarter_and_querystring(council_member, places):
    f = form(council_member)
    assert f.is_valid()
    assert f.period.quarter is None and f.period.year >= 1404
    f = form(council_member, f"year=1403&quarter=2&district={places['districts']['d14'].pk}")
    assert f.period == Period(1403, 2)
    assert f.querystring() == f"year=1403&quarter=2&district={places['districts']['d14'].pk}"
    described = f.describe()  # the quarter by its months, the year, the district
    assert all(part in described for part in ("۲", "تیر", "شهریور", "۱۴۰۳", "منطقه ۱۴"))


def test_malformed_values_are_refused(council_member):
    f = form(council_member, "year=abc&quarter=7")
    assert set(f.errors) == {"year", "quarter"}
    assert f.period.quarter is None


def test_restrict_reaches_many_valued_paths_without_repeating_rows(centre_staff, places):
    f = form(centre_staff, f"centre={places['centre'].pk}")
    assert f.is_valid(), f.errors
    summaries_refresh()
    rows = f.restrict(IndicatorSummary.objects.filter(year=1403, quarter=0), INDICATOR_PATHS)
    names = [row.neighbourhood_name for row in rows]
    assert sorted(names) == sorted(["حصه", "جلوان", "ارزنان"])


def test_restrict_refuses_a_chosen_filter_it_has_no_path_for(council_member, places):
    f = form(council_member, f"district={places['districts']['d14'].pk}")
    with pytest.raises(ImproperlyConfigured):
        f.restrict(Neighbourhood.objects.all(), {"city": "district__city"})


def test_the_programme_field_appears_only_with_a_queryset_hook(council_member, places):
    from empowerment.dashboards.pages import TrainingFilterForm
    from tests.programs.factories import ProgrammeFactory

    assert "programme" not in form(council_member).fields
    minakari = ProgrammeFactory(title="میناکاری")
    f = TrainingFilterForm(QueryDict(f"programme={minakari.pk}"), user=council_member)
    assert "programme" in f.fields
    assert f.selection == {"programme": minakari.pk}
    assert f.describe().endswith("، میناکاری")
    f = TrainingFilterForm(QueryDict(f"programme={minakari.pk + 100}"), user=council_member)
    assert "programme" in f.errors and f.selection == {}
