"""Serializer pieces every endpoint uses: ISO dates with their Jalali companions, Persian
digits accepted on input, masked personal numbers, scoped relations, the error shape.

    class TraineeSerializer(ModelSerializer):
        national_code = MaskedField()
        mobile = MaskedField(kind="mobile")
        cohort = ScopedPrimaryKeyRelatedField(queryset=Cohort.objects.all())

        class Meta:
            model = Trainee
            fields = ["id", "full_name", "national_code", "mobile", "birth_date", "cohort"]
            jalali_fields = ["birth_date"]   # adds birth_date_jalali
                                             # (read-only, or a second way in when
                                             # birth_date is writable: never both)
"""

from __future__ import annotations

import datetime
import re

import jdatetime
from django.db import models as db_models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from centres.scope import ScopedQuerySet
from empowerment.kernel import masking
from empowerment.kernel.jalali import InvalidJalaliDate, iso_jalali, parse_jalali
from empowerment.kernel.persian import normalize_digits

# Jalali years are 13xx-14xx; a Gregorian date in the API is 19xx-20xx.
_JALALI_YEARS = range(1200, 1600)
_ISO_DATE = re.compile(r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})\s*$")


class IsoDateField(serializers.DateField):
    """An ISO 8601 (Gregorian) date out; in, ISO or Jalali (1403-12-27, ۱۴۰۳/۱۲/۲۷).

    A jDateField holds jdatetime dates, whose isoformat() would be Jalali; this field always
    answers the Gregorian ISO form and leaves Jalali to the `<name>_jalali` companion.
    """

    default_error_messages = {
        "invalid": _(
            "Enter a date as YYYY-MM-DD (Gregorian, e.g. 2025-03-17) or Jalali (1403-12-27)."
        ),
    }

    def to_internal_value(self, value):
        if isinstance(value, datetime.datetime):
            self.fail("datetime")
        if isinstance(value, datetime.date):
            return value
        text = normalize_digits(str(value))
        match = _ISO_DATE.match(text)
        if match and int(match.group(1)) in _JALALI_YEARS:
            try:
                return parse_jalali(text).togregorian()
            except InvalidJalaliDate as exc:
                raise serializers.ValidationError(str(exc), code="invalid") from exc
        if match:
            try:
                value = datetime.date(*(int(part) for part in match.groups()))
                # Stored in a Jalali column: a day before the calendar's year 1 (such as
                # 0002-01-01) has no Jalali form and is refused here, not by a 500.
                jdatetime.date.fromgregorian(date=value)
                return value
            except ValueError:
                pass
        self.fail("invalid", format="YYYY-MM-DD")

    def to_representation(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, jdatetime.date):
            value = value.togregorian()
        if isinstance(value, datetime.datetime):
            value = value.date()
        return value.isoformat()


class IsoDateTimeField(serializers.DateTimeField):
    """ISO 8601 with the Tehran offset out; accepts Persian digits in."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            value = normalize_digits(value)
        return super().to_internal_value(value)

    def to_representation(self, value):
        if isinstance(value, jdatetime.datetime):
            value = value.togregorian()
        return super().to_representation(value)


# A Jalali date is not an RFC 3339 date (1406-02-31 is a valid Jalali day): a string with
# the calendar's pattern (months 1-6 have 31 days, 7-11 have 30, the 12th 29 or 30), so
# that generated clients do not parse it as a Gregorian date.
JALALI_DATE_PATTERN = (
    r"^[0-9]{4}-(0[1-6]-(0[1-9]|[12][0-9]|3[01])"
    r"|(0[7-9]|1[01])-(0[1-9]|[12][0-9]|30)|12-(0[1-9]|[12][0-9]|30))$"
)


@extend_schema_field(
    {
        "type": "string",
        "pattern": JALALI_DATE_PATTERN,
        "nullable": True,
        "example": "1403-12-27",
        "description": "Jalali (Solar Hijri) date, YYYY-MM-DD with ASCII digits.",
    }
)
class JalaliDateField(serializers.Field):
    """Read-only Jalali form (YYYY-MM-DD, ASCII digits) of a date or datetime."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        return iso_jalali(value)


@extend_schema_field(OpenApiTypes.STR)
class MaskedField(serializers.CharField):
    """A national code or mobile number, masked for callers who may not see it.

    Who sees which kind masked is decided in empowerment/kernel/masking.py (council members and
    viewers: codes and mobiles; reviewers: mobiles), per caller, not per row.
    """

    def __init__(self, *, kind: str = masking.NATIONAL_CODE, keep_start=None, keep_end=None, **kw):
        self.kind = kind
        default_start, default_end = masking.KEEP[kind]
        self.keep_start = default_start if keep_start is None else keep_start
        self.keep_end = default_end if keep_end is None else keep_end
        super().__init__(**kw)

    def caller_sees_masked(self) -> bool:
        return caller_sees_masked(self.context.get("request"), self.kind)

    def to_representation(self, value):
        text = super().to_representation(value)
        if not text or not self.caller_sees_masked():
            return text
        return masking.mask(text, keep_start=self.keep_start, keep_end=self.keep_end)


def caller_sees_masked(request, kind: str = masking.NATIONAL_CODE) -> bool:
    """Whether the caller is shown this kind of number masked (empowerment/kernel/masking.py)."""
    return kind in masking.masked_kinds(getattr(request, "user", None))


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation whose choices are the caller's visible rows: another centre's id is
    answered "does not exist", like a 404, never accepted."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if isinstance(queryset, ScopedQuerySet):
            return queryset.visible_to(getattr(request, "user", None))
        return queryset


_JALALI_INPUT = re.compile(r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})\s*$")


@extend_schema_field(
    {
        "type": "string",
        "pattern": JALALI_DATE_PATTERN,
        "example": "1403-12-30",
        "description": "Jalali (Solar Hijri) date, YYYY-MM-DD. In a request, instead of the "
        "ISO field of the same name without `_jalali` (never both); digits of any script.",
    }
)
class JalaliDateInputField(JalaliDateField):
    """A `<name>_jalali` companion that is also written: a Jalali date checked against the
    calendar (1403-12-30 is a day, 1402-12-30 is not), stored as the Gregorian date of
    `<name>`. Its answers are the read-only companion's."""

    default_error_messages = {
        "invalid": _("Enter a Jalali date as YYYY-MM-DD, for example 1403-12-27."),
    }

    def __init__(self, **kwargs):
        serializers.Field.__init__(self, **kwargs)

    def to_internal_value(self, value):
        text = normalize_digits(str(value)) if isinstance(value, str) else None
        match = _JALALI_INPUT.match(text) if text is not None else None
        # Four digits of a year from 1 (parse_jalali would read 0003 as a short 1403).
        if match is None or int(match.group(1)) < 100:
            self.fail("invalid")
        try:
            return parse_jalali(text).togregorian()
        except InvalidJalaliDate as exc:
            raise serializers.ValidationError(str(exc), code="invalid") from exc
        except ValueError:  # year 0000: outside the calendar
            self.fail("invalid")


class JalaliCompanionMixin:
    """For each name in Meta.jalali_fields, add a `<name>_jalali` field: read-only beside a
    read-only date; beside a writable one, a second way in (JalaliDateInputField).

    A client sends a date either as ISO 8601 in `<name>` or as Jalali in `<name>_jalali`,
    never both (a field error on the companion). A required date is satisfied by either.
    """

    def get_fields(self):
        fields = super().get_fields()
        required = set()
        for name in getattr(self.Meta, "jalali_fields", ()):
            # Before binding, a field's source is what was passed to it (None: its name).
            date_field = fields.get(name)
            source = (date_field.source if date_field is not None else None) or name
            if date_field is not None and not date_field.read_only:
                if date_field.required:
                    date_field.required = False
                    required.add(name)
                fields[f"{name}_jalali"] = JalaliDateInputField(
                    source=source, required=False, allow_null=date_field.allow_null
                )
            else:
                fields[f"{name}_jalali"] = JalaliDateField(source=source)
        self._jalali_required = required
        return fields

    def to_internal_value(self, data):
        names = [
            name
            for name in getattr(self.Meta, "jalali_fields", ())
            if f"{name}_jalali" in self.fields and not self.fields[f"{name}_jalali"].read_only
        ]
        if names and hasattr(data, "get"):
            both = {
                f"{name}_jalali": [
                    serializers.ErrorDetail(
                        _("Send the date in “%(iso)s” or in “%(jalali)s”, not both.")
                        % {"iso": name, "jalali": f"{name}_jalali"},
                        code="both_dates",
                    )
                ]
                for name in names
                if data.get(name) not in (None, "") and data.get(f"{name}_jalali") not in (None, "")
            }
            missing = {
                name: [
                    serializers.ErrorDetail(
                        str(serializers.Field.default_error_messages["required"]), code="required"
                    )
                ]
                for name in getattr(self, "_jalali_required", ())
                if not self.partial
                and data.get(name) in (None, "")
                and data.get(f"{name}_jalali") in (None, "")
            }
            if both or missing:
                raise serializers.ValidationError({**missing, **both})
        return super().to_internal_value(data)


class PersonalDetailsMixin:
    """Meta.personal_fields (and their Jalali companions) are left out for callers who get
    no personal details: the field choice by role, decided in empowerment/kernel/masking.py."""

    def get_fields(self):
        fields = super().get_fields()
        names = getattr(self.Meta, "personal_fields", ())
        request = self.context.get("request")
        if names and not masking.sees_personal_details(getattr(request, "user", None)):
            for name in names:
                fields.pop(name, None)
                fields.pop(f"{name}_jalali", None)
        return fields


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "09:00:00",
    }
)
class ClockTimeField(serializers.TimeField):
    """A time of day in Tehran as sent ("09:00:00"): a string with its pattern in the
    schema, not RFC 3339's `time` (which requires an offset the portal never sends)."""


class Serializer(JalaliCompanionMixin, serializers.Serializer):
    """Base of the API's plain (input) serializers: Meta.jalali_fields as in ModelSerializer."""

    class Meta:
        jalali_fields: tuple[str, ...] = ()


class ModelSerializer(PersonalDetailsMixin, JalaliCompanionMixin, serializers.ModelSerializer):
    """Base of every API model serializer: Jalali model fields map to ISO fields."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        db_models.DateField: IsoDateField,
        db_models.DateTimeField: IsoDateTimeField,
        jmodels.jDateField: IsoDateField,
        jmodels.jDateTimeField: IsoDateTimeField,
        db_models.TimeField: ClockTimeField,
    }

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        # DRF drops `allow_blank` from read-only fields, so a blank choice ("" for an
        # education left out) would be declared as the enum alone, which generated clients
        # refuse to parse. The schema says what the answers hold: the enum or blank.
        blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank and kwargs.get("read_only") and "choices" in kwargs:
            kwargs["allow_blank"] = True
        return kwargs


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (see centres/api/base/exceptions.py)."""

    detail = serializers.CharField(help_text=_("One sentence for the person using the app."))
    code = serializers.CharField(help_text=_("A stable machine-readable code."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Per field of the request, its messages; empty unless the input was invalid."),
    )


class TombstoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="object_id", help_text=_("The deleted row's id."))
    deleted = serializers.SerializerMethodField(help_text=_("Always true: the row is gone."))
    deleted_at = IsoDateTimeField()

    def get_deleted(self, obj) -> bool:
        return True


_ANSWERS: dict[type, type] = {}


def answer_serializer(item_serializer: type[serializers.Serializer]) -> type:
    """The sync answer of a list whose rows are `item_serializer`'s (one class per list, so
    the schema names it: `TraineeSyncAnswer`)."""
    if item_serializer not in _ANSWERS:
        name = item_serializer.__name__.removesuffix("Serializer") + "SyncAnswerSerializer"
        _ANSWERS[item_serializer] = type(
            name,
            (serializers.Serializer,),
            {
                "__module__": "centres.api.base.sync",
                "__doc__": "Rows changed and rows deleted since the cursor.",
                "results": item_serializer(
                    many=True, help_text=_("Rows created or changed since the cursor.")
                ),
                "tombstones": TombstoneSerializer(
                    many=True, help_text=_("Rows deleted since the cursor.")
                ),
                "next_cursor": serializers.CharField(
                    help_text=_("Send as `updated_since` next time (at once if `has_more`).")
                ),
                "has_more": serializers.BooleanField(
                    help_text=_("More changes wait: ask again at once with `next_cursor`.")
                ),
            },
        )
    return _ANSWERS[item_serializer]
