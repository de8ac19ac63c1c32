"""Search with the one Persian normaliser, as the admin searches."""

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet
from django.db import models as db_models
from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters, serializers

from centres.api.base.serializers import IsoDateField
from empowerment.kernel import masking
from empowerment.kernel.persian import normalize_digits, normalize_text


class PersianSearchFilter(filters.SearchFilter):
    """`?search=` normalised like stored text (ي/ك, spaces, ZWNJ slips).

    Names keep Persian digits and codes ASCII ones, so a term with digits is searched in
    both forms and the two results are joined.
    """

    def get_search_terms(self, request):
        terms = super().get_search_terms(request)
        return [normalize_text(term, digits=self._digits) for term in terms]

    def filter_queryset(self, request, queryset, view):
        self._digits = "ascii"
        by_ascii = super().filter_queryset(request, queryset, view)
        self._digits = "persian"
        by_persian = super().filter_queryset(request, queryset, view)
        if by_persian is queryset or _same_query(by_ascii, by_persian):
            found = by_ascii
        else:
            found = by_ascii | by_persian
        terms = self._terms(request)
        if not (self._hidden and terms):
            return found
        if not self._shown:
            found = queryset.none()  # the masked fields were all there was to search
        exact = masked_exact_matches(request, queryset, self._hidden, terms)
        return found | exact if exact is not None else found

    def get_search_fields(self, view, request):
        # A number the caller sees masked is searched by its whole value only (below), never
        # by the prefix or substring a search field would match (empowerment/kernel/masking.py).
        fields = super().get_search_fields(view, request) or []
        self._hidden = [name for name in fields if masking.hides(request.user, name)]
        self._shown = [name for name in fields if name not in self._hidden]
        return self._shown

    def _terms(self, request):
        self._digits = "ascii"
        return self.get_search_terms(request)


def _same_query(first, second) -> bool:
    try:
        return str(first.query) == str(second.query)
    except EmptyResultSet:
        # A queryset that can match nothing (a caller who sees no rows) has no SQL to
        # compare; both searches find nothing alike. Schemathesis found the 500 it gave.
        return True


def masked_exact_matches(request, queryset, hidden_fields, terms):
    """Rows whose masked number equals the whole search text (None: no such term)."""
    text = " ".join(terms)
    condition = Q()
    for name in hidden_fields:
        value = masking.exact_value(masking.kind_of(name), text) if text else None
        if value is not None:
            condition |= Q(**{name.lstrip("=^@$"): value})
    return queryset.filter(condition) if condition else None


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=`, never by a number the caller sees masked (its order gives it away)."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        return [name for name in valid if not masking.hides(request.user, name)]


class _IdFormField(forms.IntegerField):
    """Digits only (of any script): "1.0", "1e3" or " 1 " is not an id, though Django's
    IntegerField would take the first."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = normalize_digits(str(value))
        if not text.isascii() or not text.isdigit():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An id in a query string: a whole number within the database's integer range, so
    that `?city=1e300` is a 400 with a message rather than an overflow in the database.
    An id that matches nothing (or nothing the caller may see) gives an empty list, as any
    filter does, never "select a valid choice". Typed `integer` in the schema."""

    field_class = _IdFormField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2_147_483_647)
        super().__init__(*args, **kwargs)


class _DateFormField(forms.DateField):
    """A date in a query string as the API reads dates in bodies: ISO or Jalali, any
    digits; years the calendars can convert (a far-off year is a 400, not an error)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            day = IsoDateField().to_internal_value(value)
        except (serializers.ValidationError, ValueError, OverflowError) as exc:
            raise forms.ValidationError(
                str(IsoDateField.default_error_messages["invalid"]), code="invalid"
            ) from exc
        if not 1800 <= day.year <= 2200:
            raise forms.ValidationError(
                str(IsoDateField.default_error_messages["invalid"]), code="invalid"
            )
        return day


class DateFilter(django_filters.DateFilter):
    field_class = _DateFormField


class FilterSet(django_filters.FilterSet):
    """Base of every API filter set: a relation named in `Meta.fields` filters by id with
    `IdFilter` (whole numbers, an unknown or out-of-scope id gives an empty list) instead
    of django-filter's choice field (a 400 "select a valid choice", and a query of every
    row to offer as choices)."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        db_models.ForeignKey: {"filter_class": IdFilter},
        db_models.OneToOneField: {"filter_class": IdFilter},
    }


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request names none of the view's filters.
    Filter sets made from a view's `filterset_fields` derive from `FilterSet` above.

    Building and validating a FilterSet for a plain page of a list cost about as much as the
    page's query (bench/api_bench.py); with no filter parameter it would filter nothing.
    """

    filterset_base = FilterSet

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = tuple(filterset_class.base_filters)
        # Range filters read suffixed parameters (`<name>_min`, `<name>_after`...).
        if not any(
            param == name or param.startswith(name + "_")
            for param in request.query_params
            for name in names
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset_kwargs(self, request, queryset, view):
        # No filtering by a number the caller sees masked: `?mobile=0912...` ranges would
        # give it away. Such parameters are left out, as unknown ones are.
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        hidden = {
            name
            for name, declared in filterset_class.base_filters.items()
            if masking.hides(request.user, name)
            or masking.hides(request.user, declared.field_name or "")
        }
        if hidden:
            data = kwargs["data"].copy()
            for param in list(data):
                if any(param == name or param.startswith(name + "_") for name in hidden):
                    del data[param]
            kwargs["data"] = data
        return kwargs
