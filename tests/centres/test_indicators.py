"""Neighbourhood indicators: the model's rules, recording, spreadsheet import, admin."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from centres.models import Indicator
from centres.models.indicators import QUARTER_NAMES
from centres.services import IndicatorImportError, indicator_import, indicator_record
from tests.centres.factories import (
    HeadquartersFactory,
    IndicatorFactory,
    isfahan_and_karaj,
    staff_user,
)
from tests.codes import page_codes

pytestmark = pytest.mark.django_db

HEADERS = (
    "شهر،منطقه،محله،سال،فصل،جمعیت،سهم جوانان (٪)،سهم بالای ۶۵ سال (٪)،نرخ بیکاری (٪)،"
    "اعتیاد،فقر،بیکاری،ناامنی"
).split("،")


@pytest.fixture
def places():
    return isfahan_and_karaj()


@pytest.fixture
def secretary(places):
    """Secretary of Isfahan's provincial HQ: may record figures for the province."""
    hq = HeadquartersFactory(name="قرارگاه استان اصفهان", province=places["isfahan"].province)
    return staff_user("secretary", "hq_secretary", hq)


def xlsx(rows, headers=HEADERS, name="indicators.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_one_yearly_figure_per_neighbourhood_and_year(places):
    hesseh = places["neighbourhoods"]["hesseh"]
    duplicate = Indicator(neighbourhood=hesseh, year=1403, quarter=None)
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    yearly = next(c for c in Indicator._meta.constraints if c.name == "indicator_unique_year")
    assert excinfo.value.messages == [str(yearly.violation_error_message)]
    # A quarter of the same year is a different period.
    Indicator(neighbourhood=hesseh, year=1403, quarter=1).full_clean()


def test_age_shares_cannot_exceed_the_whole(places):
    bad = Indicator(
        neighbourhood=places["neighbourhoods"]["jolfa"],
        year=1399,
        youth_share=Decimal("70"),
        over_65_share=Decimal("40"),
    )
    with pytest.raises(ValidationError) as excinfo:
        bad.full_clean()
    assert "over_65_share" in excinfo.value.message_dict


def test_record_replaces_and_is_idempotent(places):
    hesseh = places["neighbourhoods"]["hesseh"]
    indicator, created = indicator_record(neighbourhood=hesseh, year=1403, population=30500)
    assert not created and indicator.population == 30500
    history = indicator.history.count()
    _same, created = indicator_record(neighbourhood=hesseh, year=1403, population=30500)
    assert not created and indicator.history.count() == history  # nothing changed, no row


def test_scope_of_indicators(places, secretary):
    visible = Indicator.objects.visible_to(secretary)
    assert not visible.filter(neighbourhood__district__city=places["karaj"]).exists()
    assert visible.filter(neighbourhood=places["neighbourhoods"]["hesseh"]).count() == 2
    staff = staff_user("staff", "centre_staff", places["centre"])
    names = set(Indicator.objects.visible_to(staff).values_list("neighbourhood__name", flat=True))
    assert names == {"حصه", "جلوان", "ارزنان"}


def test_a_good_file_is_imported(places, secretary):
    upload = xlsx(
        [
            ["اصفهان", "14", "حصه", "1405", "", "31,200", "31.2", "4.1", "16.5", 3, "زیاد", 2, 2],
            ["اصفهان", "منطقه ۱۴", "جلوان", "۱۴۰۵", "بهار", 20000, 30, 5, 15, "متوسط", 3, 3, 1],
            ["اصفهان", 14, "حصه", 1403, None, 30100, 32, 4, 18, 3, 3, 3, 2],
        ]
    )
    result = indicator_import(user=secretary, upload=upload)
    assert (result.created, result.updated) == (2, 1)
    hesseh = Indicator.objects.get(neighbourhood__name="حصه", year=1405, quarter=None)
    assert hesseh.population == 31200 and hesseh.youth_share == Decimal("31.20")
    assert hesseh.poverty_level == Indicator.Level.HIGH
    jolvan = Indicator.objects.get(neighbourhood__name="جلوان", year=1405)
    assert jolvan.quarter == 1 and jolvan.addiction_level == Indicator.Level.MODERATE
    assert Indicator.objects.get(neighbourhood__name="حصه", year=1403).population == 30100


def test_a_csv_file_with_persian_digits_is_imported(places, secretary):
    text = "شهر,منطقه,محله,سال,فصل,جمعیت,نرخ بیکاری\nاصفهان,۳,جلفا,۱۴۰۵,۲,۱۵۵۰۰,۸٫۵\n"
    upload = SimpleUploadedFile("f.csv", text.encode("utf-8-sig"))
    assert indicator_import(user=secretary, upload=upload).created == 1
    jolfa = Indicator.objects.get(neighbourhood__name="جلفا", year=1405, quarter=2)
    assert jolfa.population == 15500 and jolfa.unemployment_rate == Decimal("8.50")


def test_bad_rows_are_refused_and_nothing_is_written(places, secretary):
    before = Indicator.objects.count()
    upload = xlsx(
        [
            ["اصفهان", 14, "حصه", 1405, "", 1000, 20, 5, 10, 1, 1, 1, 1],  # good
            ["اصفهان", 14, "ناموجود", 1405, "", 1000, 20, 5, 10, 1, 1, 1, 1],
            ["کرج", 5, "اسلام‌آباد", 1405, "", 1000, 20, 5, 10, 1, 1, 1, 1],  # out of scope
            ["اصفهان", 10, "ارزنان", 99, 7, "بسیار", "x", 5, 10, 9, 1, 1, 1],
            ["اصفهان", 3, "جلفا", 1405, "", 1000, 70, 40, 10, 1, 1, 1, 1],
            ["اصفهان", 14, "حصه", 1405, "", 1000, 20, 5, 10, 1, 1, 1, 1],  # repeated
        ]
    )
    with pytest.raises(IndicatorImportError) as excinfo:
        indicator_import(user=secretary, upload=upload)
    assert excinfo.value.problems == [
        (3, "neighbourhood_not_found"),
        (4, "neighbourhood_not_found"),  # out of the secretary's scope
        (5, "year_invalid"),
        (5, "quarter_invalid"),
        (5, "population_invalid"),
        (5, "youth_share_invalid"),
        (5, "addiction_level_invalid"),
        (7, "row_repeated"),
    ]
    assert len(excinfo.value.messages) == len(excinfo.value.problems)
    assert Indicator.objects.count() == before
    # Rows that parse but break the model's rules are refused too, still all or nothing.
    upload = xlsx([["اصفهان", 3, "جلفا", 1405, "", 1000, 70, 40, 10, 1, 1, 1, 1]])
    with pytest.raises(IndicatorImportError) as excinfo:
        indicator_import(user=secretary, upload=upload)
    assert excinfo.value.problems == [(2, "shares_over_100")]
    assert Indicator.objects.count() == before


@pytest.mark.parametrize(
    "upload, code",
    [
        (SimpleUploadedFile("a.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100), "not_xlsx"),
        (SimpleUploadedFile("a.csv", b"\x89PNG\r\n\x1a\n" + b"0" * 100), "not_csv"),
        (SimpleUploadedFile("a.pdf", b"%PDF-1.4"), "file_type"),
        (SimpleUploadedFile("a.xlsx", b"PK\x03\x04 not really a zip"), "not_xlsx"),
        (SimpleUploadedFile("a.csv", b""), "file_empty"),
        (SimpleUploadedFile("a.csv", b"x" * (2 * 1024 * 1024 + 1)), "file_too_large"),
        (SimpleUploadedFile("a.csv", "شهر,سال\nاصفهان,1403\n".encode()), "columns_missing"),
    ],
)
def test_files_that_are_not_usable_spreadsheets_are_refused(places, secretary, upload, code):
    with pytest.raises(IndicatorImportError) as excinfo:
        indicator_import(user=secretary, upload=upload)
    assert excinfo.value.problems == [(None, code)]


def test_admin_import_page_imports_and_reports_errors(client, places, secretary):
    client.force_login(secretary)
    url = reverse("admin:centres_indicator_import")
    changelist = client.get(reverse("admin:centres_indicator_changelist"))
    assert changelist.status_code == 200 and url in changelist.content.decode()
    bad = xlsx([["اصفهان", 14, "ناموجود", 1405, "", 1, 1, 1, 1, 1, 1, 1, 1]])
    response = client.post(url, {"file": bad})
    assert response.status_code == 200
    assert page_codes(response) == ["neighbourhood_not_found"]  # and nothing imported
    good = xlsx([["اصفهان", 14, "حصه", 1405, "", 1, 1, 1, 1, 1, 1, 1, 1]])
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert Indicator.objects.filter(year=1405).count() == 1


def test_council_members_may_not_import(client, places):
    member = staff_user("council", "council_member", places["isfahan"])
    member.is_staff = True  # even if someone let them into the admin
    member.save()
    client.force_login(member)
    assert client.get(reverse("admin:centres_indicator_import")).status_code == 403


def test_admin_list_filters_render(client, places, secretary):
    IndicatorFactory(neighbourhood=places["neighbourhoods"]["jolfa"], year=1402, quarter=3)
    client.force_login(secretary)
    url = reverse("admin:centres_indicator_changelist")
    response = client.get(url, {"year": 1402})
    assert response.status_code == 200
    with translation.override("fa"):  # the quarter's name, as the page shows it
        assert f"{QUARTER_NAMES[3]} ۱۴۰۲" in response.content.decode()
