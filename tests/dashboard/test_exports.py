"""A figure's .xlsx export: opens in openpyxl, Persian headers, Jalali dates, safe cells."""

import io

import openpyxl
import pytest
from django.urls import reverse

from empowerment.dashboards.exports import figure_workbook
from empowerment.dashboards.figures import Column, Figure
from empowerment.kernel.jalali import format_jalali, today_jalali
from tests.centres.factories import IndicatorFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db


def export(client, figure, **params):
    url = reverse("dashboard:neighbourhoods-export", kwargs={"figure": figure})
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def rows_below_header(sheet):
    return [list(r) for r in sheet.iter_rows(min_row=6, values_only=True)]


@pytest.mark.wording
def test_district_export_has_persian_headers_and_the_figures(council_client):
    sheet = export(council_client, "districts", year=1403)
    assert sheet.sheet_view.rightToLeft
    assert [c.value for c in sheet[5]] == [
        "منطقه",
        "جمعیت",
        "جوانان (٪)",
        "بالای ۶۵ سال (٪)",
        "نرخ بیکاری (٪)",
    ]
    rows = {r[0]: r for r in rows_below_header(sheet)}
    assert rows["منطقه ۱۴"][1:] == [40000, 31.0, 4.5, 17.0]
    assert sheet["B1"].value is None and sheet["A1"].value == "سن و بیکاری به تفکیک منطقه"
    assert sheet["A2"].value == "سال ۱۴۰۳"


@pytest.mark.wording
def test_neighbourhood_export_has_jalali_dates(council_client):
    sheet = export(council_client, "neighbourhoods", year=1403)
    headers = [c.value for c in sheet[5]]
    changed = headers.index("آخرین تغییر")
    today = format_jalali(today_jalali())
    assert {r[changed] for r in rows_below_header(sheet)} == {today}
    assert sheet["A3"].value == f"تاریخ خروجی: {today}"


def test_export_respects_scope_whatever_the_url_asks(council_client, places):
    sheet = export(council_client, "neighbourhoods", year=1403, city=places["karaj"].pk)
    names = {r[0] for r in rows_below_header(sheet)}
    assert names == {"حصه", "جلوان", "ارزنان", "جلفا"}


def test_cells_that_would_run_as_formulas_are_escaped(council_client, places):
    hostile = NeighbourhoodFactory(
        district=places["districts"]["d3"], name='=HYPERLINK("http://x","y")'
    )
    IndicatorFactory(neighbourhood=hostile, year=1403)
    sheet = export(council_client, "neighbourhoods", year=1403)
    cell = next(row[0] for row in sheet.iter_rows(min_row=6) if "HYPERLINK" in str(row[0].value))
    assert cell.value == '\'=HYPERLINK("http://x","y")'
    assert cell.data_type == "s"


def test_workbook_writes_numbers_as_numbers():
    fig = Figure(
        slug="t",
        title="آزمون",
        columns=[Column("name", "نام"), Column("n", "تعداد", "int")],
        rows=[{"name": "-منفی", "n": 1200}],
    )
    sheet = figure_workbook(fig).active
    assert sheet["A6"].value == "'-منفی"
    assert sheet["B6"].value == 1200 and sheet["B6"].data_type == "n"


def test_unknown_figure_is_not_found(council_client):
    url = reverse("dashboard:neighbourhoods-export", kwargs={"figure": "nothing"})
    assert council_client.get(url).status_code == 404


def test_export_query_count_is_pinned(django_assert_num_queries, council_client):
    url = reverse("dashboard:neighbourhoods-export", kwargs={"figure": "problems"})
    council_client.get(url, {"year": 1403})
    with django_assert_num_queries(13):
        # The page's 13 (session, user, scope, 2 permissions, summary state, 5 filter
        # choices, districts' figures, neighbourhoods' figures): an export is the page's
        # figures, written.
        council_client.get(url, {"year": 1403})
