"""The rollups (province and country rows built from the fine summary tables): the same
figures as the fine tables, read only by people they cover, with pinned query counts; and
the long lists bounded on the page, in full in the export."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from centres.models import City, Province
from centres.scope import scope_for
from empowerment.dashboards import summary_selectors as sel
from empowerment.dashboards.models import (
    HeadquartersRollup,
    HeadquartersSummary,
    IdeaRollup,
    IdeaSummary,
    Level,
    TrainingRollup,
    TrainingSummary,
)
from empowerment.dashboards.pages import TrainingFilterForm
from empowerment.dashboards.summaries import summaries_refresh
from programs.models import Programme
from tests.centres.factories import staff_user
from tests.once import built_once
from tests.trainees.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("dashboard:overview")
IDEAS = reverse("dashboard:ideas")
HQ = reverse("dashboard:headquarters")


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo and its summaries, built once for the module's tests."""

    yield from built_once(
        django_db_blocker, tmp_path_factory.mktemp("demo"), summaries_refresh, demo=True
    )


@pytest.fixture
def demo(demo_once, db):
    pass


def user(username):
    return get_user_model().objects.get(username=username)


def province_member():
    return staff_user("council.province", "council_member", Province.objects.get(name="اصفهان"))


def form(who, query=""):
    from django.http import QueryDict

    return TrainingFilterForm(QueryDict(query), user=who)


FIGURES = [
    sel.training_by_person,
    sel.training_by_month,
    sel.training_by_programme,
    lambda **kw: sel.training_by_neighbourhood(limit=None, **kw),
    sel.idea_totals,
    sel.resolutions_by_responsible,
]


def both_ways(monkeypatch, who, filters):
    """Every rollup-backed figure read through the rollups, then through the fine tables."""
    # The ideas and headquarters pages have no programme filter.
    reads = FIGURES if "programme" not in filters.selection else FIGURES[:4]
    coarse = [read(user=who, filters=filters) for read in reads]
    with monkeypatch.context() as m:
        m.setattr(sel, "rollup_level", lambda *args, **kwargs: None)
        fine = [read(user=who, filters=filters) for read in reads]
    return coarse, fine


@pytest.mark.parametrize("who", ["admin", "province"])
def test_rollups_give_the_figures_of_the_fine_tables(monkeypatch, demo, who):
    member = user("admin") if who == "admin" else province_member()
    provinces = list(Province.objects.values_list("pk", flat=True))
    business = Programme.objects.get(title__contains="کسب‌وکار")
    queries = ["year=1401", "year=1402", "year=1403", "year=1403&quarter=2"]
    queries += [f"year=1402&province={pk}" for pk in provinces]
    queries += [f"year=1402&programme={business.pk}"]
    checked = 0
    for query in queries:
        filters = form(member, query)
        assert sel.rollup_level(member, filters) is not None
        coarse, fine = both_ways(monkeypatch, member, filters)
        assert coarse == fine, query
        checked += sum(bool(rows) for rows in coarse)
    assert checked > 20  # figures with rows, not empty lists compared with empty lists


def test_the_country_rows_include_national_bodies(monkeypatch, demo):
    """A national headquarters has no province: its resolutions are in the country rows,
    and in the fine rows an administrator reads, alike."""
    admin = user("admin")
    filters = form(admin, "year=1403")
    assert sel.rollup_level(admin, filters) == Level.COUNTRY
    coarse, fine = both_ways(monkeypatch, admin, filters)
    assert coarse[-1] == fine[-1]
    country = HeadquartersRollup.objects.filter(level="country")
    for measure in ("meetings", "resolutions", "overdue"):
        assert sum(country.values_list(measure, flat=True)) == sum(
            HeadquartersSummary.objects.values_list(measure, flat=True)
        )


def test_rollups_match_after_new_data_on_factories(monkeypatch, demo):
    cohort = TrainingSummary.objects.filter(enrolled__gt=0).first()
    assert cohort is not None
    from programs.models import Cohort

    for _ in range(3):
        EnrolmentFactory(cohort=Cohort.objects.filter(centre__city__name="کرج").first())
    summaries_refresh()
    admin = user("admin")
    for query in ("", "year=1403", "year=1404"):
        coarse, fine = both_ways(monkeypatch, admin, form(admin, query))
        assert coarse == fine
    # Each level sums to the same totals as the fine table.
    for level in (Level.COUNTRY, Level.PROVINCE, Level.NEIGHBOURHOOD):
        rows = TrainingRollup.objects.filter(level=level)
        fine = TrainingSummary.objects.all()
        if level == Level.NEIGHBOURHOOD:
            fine = fine.filter(neighbourhood__isnull=False)
        assert sum(rows.values_list("enrolled", flat=True)) == sum(
            fine.values_list("enrolled", flat=True)
        )
    assert sum(IdeaRollup.objects.filter(level="country").values_list("ideas", flat=True)) == sum(
        IdeaSummary.objects.values_list("ideas", flat=True)
    )


def test_the_default_year_is_the_same_either_way(monkeypatch, demo):
    for who in (user("admin"), province_member()):
        coarse = [sel.latest_period(m, user=who) for m in sel.ROLLUP_OF]
        with monkeypatch.context() as m:
            m.setattr(sel, "rollup_level", lambda *args, **kwargs: None)
            fine = [sel.latest_period(model, user=who) for model in sel.ROLLUP_OF]
        assert coarse == fine and all(coarse)


def test_only_global_and_province_scopes_read_the_rollups(demo):
    isfahan = Province.objects.get(name="اصفهان")
    member = province_member()
    # A province member reads their province's rows, never the country's.
    assert scope_for(member).province == {isfahan.pk}
    rows = TrainingRollup.objects.visible_to(member)
    assert rows.exists()
    assert set(rows.values_list("province", flat=True)) == {isfahan.pk}
    assert sel.rollup_level(member, form(member, "year=1402")) == Level.PROVINCE
    # A city, a centre, a headquarters, a partner: the fine tables, and no rollup row.
    for username in ("council.isfahan", "staff.isfahan", "secretary.alborz", "officer.relief"):
        who = user(username)
        assert sel.rollup_level(who, form(who, "year=1402")) is None
        assert not TrainingRollup.objects.visible_to(who).exists()
        assert not HeadquartersRollup.objects.visible_to(who).exists()
    # A province and a city of another province: the rollups would miss the city.
    both = province_member()
    from centres import services

    services.staff_role_assign(user=both, role="council_member", scope=City.objects.get(name="کرج"))
    both = get_user_model().objects.get(pk=both.pk)
    assert sel.rollup_level(both, form(both, "year=1402")) is None
    assert not IdeaRollup.objects.visible_to(both).exists()
    # Anything finer than a province chosen: the fine tables, even for an administrator.
    admin = user("admin")
    city = City.objects.get(name="اصفهان")
    assert sel.rollup_level(admin, form(admin, f"year=1402&city={city.pk}")) is None
    assert sel.rollup_level(admin, form(admin, f"year=1402&province={isfahan.pk}")) == "province"


def test_a_province_member_sees_the_same_page_as_through_the_fine_tables(client, demo):
    member = province_member()
    client.force_login(member)
    html = client.get(OVERVIEW, {"year": 1402}).content.decode()
    assert "کرج" not in html and "اسلام‌آباد" not in html


@pytest.mark.parametrize(
    "url,queries",
    [
        # 1 session, 2 user (a superuser: no staff roles or permissions read), 3 summary
        # state, 4 provinces (the demo has two, none chosen: cities, districts,
        # neighbourhoods and centres are not listed, and none is read), 5 programmes, 6 per
        # gender and age band, 7 per month, 8 per neighbourhood, 9 per programme: the
        # country rows, whatever the number of centres.
        (OVERVIEW, 9),
        # 1-4 as above, 5 totals, 6 the calls with the most ideas, 7 per neighbourhood.
        (IDEAS, 7),
        # 1-4 as above, 5 per organisation, 6 overdue, 7 commitments, 8 hours.
        (HQ, 8),
        # 1-4 as above, 5 the first districts' figures, 6 the first neighbourhoods'.
        (reverse("dashboard:neighbourhoods"), 6),
    ],
)
def test_administrator_query_counts_are_pinned(
    client, demo, django_assert_num_queries, url, queries
):
    client.force_login(user("admin"))
    client.get(url, {"year": 1402})
    with django_assert_num_queries(queries):
        assert client.get(url, {"year": 1402}).status_code == 200


def test_long_lists_are_bounded_on_the_page_and_whole_in_the_export(client, demo, monkeypatch):
    monkeypatch.setattr(sel, "LIST_ROWS", 1)
    monkeypatch.setattr(sel, "NEIGHBOURHOOD_ROWS", 1)
    client.force_login(user("admin"))
    response = client.get(IDEAS)  # the latest year with ideas
    calls = next(f for f in response.context["figures"] if f.slug == "calls")
    shown = [r for r in calls.rows if not r.get("_total")]
    assert len(shown) == 1
    total = next(r for r in calls.rows if r.get("_total"))
    everything = sel.ideas_by_call(
        user=user("admin"), filters=response.context["filters"], limit=None
    )
    assert len(everything) > 1
    # The total is every call's, not the one shown.
    assert total["received"] == sum(r["received"] for r in everything) > shown[0]["received"]
    year = response.context["filters"].period.year
    export = client.get(
        reverse("dashboard:ideas-export", kwargs={"figure": "calls"}), {"year": year}
    )
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row - 5 == len(everything) + 1  # header at row 5, then calls and total
    overview = client.get(OVERVIEW, {"year": 1402})
    places = next(f for f in overview.context["figures"] if f.slug == "neighbourhoods")
    assert len(places.rows) == 1


def test_country_wide_choices_are_listed_once_a_parent_narrows_them(demo):
    admin = user("admin")
    isfahan = Province.objects.get(name="اصفهان")
    city = City.objects.get(name="اصفهان")
    f = form(admin, "year=1402")
    # Two provinces in view: no city, district, neighbourhood or centre listed yet.
    for name in ("city", "district", "neighbourhood", "centre"):
        assert [v for v, _l in f.fields[name].choices] == [""]
    f = form(admin, f"year=1402&province={isfahan.pk}")
    assert {label for _v, label in f.fields["city"].choices} >= {"اصفهان"}
    assert len(f.fields["centre"].choices) > 1
    # A city without its province (a shared link) is still valid, and lists its districts.
    f = form(admin, f"year=1402&city={city.pk}")
    assert f.is_valid(), f.errors
    assert [v for v, _l in f.fields["city"].choices] == ["", str(city.pk)]
    assert len(f.fields["district"].choices) > 1
    # The rules of scope are unchanged: a member of Isfahan's council sees its districts.
    member = user("council.isfahan")
    assert len(form(member, "year=1402").fields["district"].choices) > 1
