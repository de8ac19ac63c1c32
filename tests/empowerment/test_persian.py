import jdatetime
import pytest
from django.core.exceptions import ValidationError

from empowerment.kernel.jalali import InvalidJalaliDate, parse_jalali, period_bounds
from empowerment.kernel.persian import ZWNJ, normalize_text, search_key
from empowerment.kernel.validators import normalize_mobile, validate_mobile, validate_national_code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("علي", "علی"),
        ("كاظمي", "کاظمی"),
        ("  مريم   كريمي ", "مریم کریمی"),
        ("۱۴۰۳", "۱۴۰۳"),
        ("منطقه 14", "منطقه ۱۴"),
        ("٠١٢٣", "۰۱۲۳"),
        (f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),
        (f"می {ZWNJ}خواهم", "می خواهم"),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw, digits="persian") == expected


def test_codes_take_ascii_digits():
    assert normalize_text(" ۰۹۱۲ ١٢٣ ", digits="ascii") == "0912 123"


def test_search_key_ignores_zwnj_spaces_and_keyboard():
    assert search_key(f"محمد{ZWNJ}رضا") == search_key("محمد رضا") == search_key("محمدرضا")
    assert search_key("علي") == search_key("علی")


@pytest.mark.parametrize("code", ["0499370899", "۰۴۹۹۳۷۰۸۹۹", "0013542419"])
def test_valid_national_codes(code):
    validate_national_code(code)


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("0499370898", "national_code_checksum"),
        ("1111111111", "national_code_repeated"),
        ("049937089", "national_code_length"),
    ],
)
def test_invalid_national_codes(code, error_code):
    with pytest.raises(ValidationError) as excinfo:
        validate_national_code(code)
    assert excinfo.value.code == error_code


@pytest.mark.parametrize(
    "raw", ["+989121234567", "00989121234567", "09121234567", "۰۹۱۲۱۲۳۴۵۶۷", "9121234567"]
)
def test_mobile_forms(raw):
    assert normalize_mobile(raw) == "09121234567"
    validate_mobile(raw)


def test_impossible_jalali_dates_are_refused():
    assert parse_jalali("۱۴۰۳/۱۲/۳۰") == jdatetime.date(1403, 12, 30)  # 1403 is leap
    with pytest.raises(InvalidJalaliDate):
        parse_jalali("1402-12-30")
    with pytest.raises(InvalidJalaliDate):
        parse_jalali("1403-13-01")


def test_quarter_bounds_follow_the_jalali_calendar():
    start, end = period_bounds(1403, 1)
    assert start.isoformat() == "2024-03-20"
    assert end.isoformat() == "2024-06-21"  # 1 Tir 1403
