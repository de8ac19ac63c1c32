import datetime

from django import template
from django.utils import timezone

from empowerment.kernel.jalali import format_jalali
from empowerment.kernel.persian import to_persian_digits

register = template.Library()


@register.filter
def fa_digits(value):
    """Show a number or text with Persian digits: 1,234 -> ۱٬۲۳۴."""
    if value is None:
        return ""
    if isinstance(value, int):
        value = f"{value:,}".replace(",", "٬")
    return to_persian_digits(value)


@register.filter
def jalali(value):
    # A stored (UTC) moment is shown as the date in Tehran, not the date in UTC.
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return to_persian_digits(format_jalali(value))


@register.filter
def jalali_moment(value):
    """A stored moment as its Jalali date and time in Tehran: ۱۴۰۵/۰۹/۱۰ ۱۴:۳۰."""
    if not isinstance(value, datetime.datetime):
        return jalali(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return to_persian_digits(f"{format_jalali(value.date())} {value:%H:%M}")
