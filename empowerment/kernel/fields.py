"""Model fields that run the Persian normaliser on every save and every form input."""

from django.db import models

from empowerment.kernel.persian import normalize_text


class _PersianNormalizing:
    digits = "persian"

    def _normalize(self, value):
        if value is None or not isinstance(value, str):
            return value
        return normalize_text(value, digits=self.digits)

    def to_python(self, value):
        return self._normalize(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = self._normalize(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


class PersianCharField(_PersianNormalizing, models.CharField):
    """Names and titles: Persian letters, Persian digits."""


class PersianTextField(_PersianNormalizing, models.TextField):
    """Prose (addresses, minutes, descriptions): Persian letters, Persian digits."""


class CodeField(_PersianNormalizing, models.CharField):
    """Numbers and codes typed by people (phone, national code, mobile): ASCII digits."""

    digits = "ascii"
