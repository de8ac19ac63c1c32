from django import template

from empowerment.jalali import format_jalali
from empowerment.persian import to_persian_digits

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
    return to_persian_digits(format_jalali(value))
