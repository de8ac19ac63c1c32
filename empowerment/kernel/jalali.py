"""Jalali (Solar Hijri) helpers: parsing staff input, periods, display.

The Iranian year starts on 1 Farvardin; a quarter is three Jalali months. Periods are
always computed in Jalali, never from the Gregorian month of a date.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import jdatetime
from django.utils import timezone
from django.utils.translation import gettext as _

from empowerment.kernel.persian import normalize_digits, to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")

MONTH_NAMES = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
]
WEEKDAY_NAMES = ["شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه"]

_DATE_RE = re.compile(r"^\s*(\d{2,4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*$")


class InvalidJalaliDate(ValueError):
    pass


def parse_jalali(value: str) -> jdatetime.date:
    """Parse 1403/12/27, 1403-12-27 or ۱۴۰۳/۱۲/۲۷; refuse impossible dates with a message."""
    text = normalize_digits(str(value or ""))
    match = _DATE_RE.match(text)
    if not match:
        raise InvalidJalaliDate(_("Enter a Jalali date as year/month/day, for example 1403/12/27."))
    year, month, day = (int(part) for part in match.groups())
    if year < 100:
        year += 1400 if year < 50 else 1300
    if not 1 <= month <= 12:
        raise InvalidJalaliDate(_("The month must be between 1 and 12."))
    last_day = month_length(year, month)
    if not 1 <= day <= last_day:
        raise InvalidJalaliDate(
            _("Month %(month)s of year %(year)s has %(days)s days.")
            % {"month": MONTH_NAMES[month - 1], "year": year, "days": last_day}
        )
    return jdatetime.date(year, month, day)


def month_length(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def to_jalali(value) -> jdatetime.date | jdatetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, jdatetime.date | jdatetime.datetime):
        return value
    if isinstance(value, datetime.datetime):
        return jdatetime.datetime.fromgregorian(datetime=value)
    return jdatetime.date.fromgregorian(date=value)


def format_jalali(value, *, persian_digits: bool = False) -> str:
    """1403/12/27 (or with Persian digits for display)."""
    j = to_jalali(value)
    if j is None:
        return ""
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    return to_persian_digits(text) if persian_digits else text


def iso_jalali(value) -> str | None:
    """The API's Jalali form beside an ISO date: 1403-12-27."""
    j = to_jalali(value)
    if j is None:
        return None
    return f"{j.year:04d}-{j.month:02d}-{j.day:02d}"


def period_bounds(year: int, quarter: int | None = None) -> tuple[datetime.date, datetime.date]:
    """Gregorian [start, end) of a Jalali year or quarter, for date-range filters."""
    if quarter is None:
        start = jdatetime.date(year, 1, 1)
        end = jdatetime.date(year + 1, 1, 1)
    else:
        first_month = (quarter - 1) * 3 + 1
        start = jdatetime.date(year, first_month, 1)
        end = (
            jdatetime.date(year + 1, 1, 1)
            if quarter == 4
            else jdatetime.date(year, first_month + 3, 1)
        )
    return start.togregorian(), end.togregorian()


def local_today() -> datetime.date:
    """Today's date in Tehran, whatever time zone is active: the one "today" of the portal
    (deadlines, overdue marks, reminders, periods)."""
    return timezone.localdate(timezone=TEHRAN)


def today_jalali() -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=local_today())
