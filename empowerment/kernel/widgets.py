"""Admin inputs that take Persian as it is typed: Persian or Arabic digits, `/` between
the parts of a date, the Persian decimal separator. Whatever keyboard staff have, the value
reaches the form field in the ASCII form Django parses; a number box is a text box with a
numeric keyboard, because a browser's `type="number"` box silently drops Persian digits.

The admin's base mixin (`centres/admin_base.py`) puts them on every date, time and number
field of every model admin and inline.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django_jalali.admin import widgets as jalali_widgets

from empowerment.kernel.persian import normalize_digits


class _Normalizing:
    def normalize(self, value: str) -> str:
        return normalize_digits(value).strip()

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return self.normalize(value) if isinstance(value, str) else value


class PersianDateWidget(_Normalizing, jalali_widgets.AdminjDateWidget):
    """A Jalali date as 1405/09/10, 1405-09-10 or ۱۴۰۵/۰۹/۱۰ (with django-jalali's Jalali
    calendar beside the box)."""

    def normalize(self, value: str) -> str:
        return re.sub(r"\s*[/.\\]\s*", "-", super().normalize(value))


class PersianTimeWidget(_Normalizing, admin_widgets.AdminTimeWidget):
    """A time as 09:30 or ۰۹:۳۰."""


class NumberWidget(_Normalizing, forms.TextInput):
    """A whole or decimal number, typed in any digits; ٫ or / as the decimal separator and
    thousands separators (٬ ,) ignored."""

    def __init__(self, attrs=None):
        super().__init__(
            {"inputmode": "decimal", "dir": "ltr", "class": "vIntegerField", **(attrs or {})}
        )

    def normalize(self, value: str) -> str:
        text = super().normalize(value)
        text = re.sub(r"[٬,\s]", "", text)
        return re.sub(r"[٫/]", ".", text)
