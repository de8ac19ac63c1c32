"""Form inputs shared by the registry's admin pages."""

import jdatetime
from django import forms
from django.core.exceptions import ValidationError

from empowerment.kernel.jalali import InvalidJalaliDate, parse_jalali


class JalaliDateInput(forms.CharField):
    """A Jalali date typed as 1380/05/12 (Persian digits too), refused with a clear reason."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if isinstance(value, jdatetime.date):
            return value
        try:
            return parse_jalali(value)
        except InvalidJalaliDate as error:
            raise ValidationError(str(error)) from None

    def prepare_value(self, value):
        if isinstance(value, jdatetime.date):
            return value.strftime("%Y/%m/%d")
        return value
