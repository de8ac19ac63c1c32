"""Trainee search: a name however it was typed, a national code, foreign national's code,
passport number or mobile in any digits."""

import re

from django.db.models import Q
from rest_framework import filters

from empowerment.kernel import masking
from empowerment.kernel.persian import normalize_digits, search_key

# Latin letters and digits with at least one of each: a passport number, not a name.
_PASSPORT_LIKE = re.compile(r"(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9]{3,12}")


class TraineeSearchFilter(filters.SearchFilter):
    """`?search=`: terms with digits look in the national code and mobile (Persian or
    Arabic digits read as ASCII, as the codes are stored); other terms in the name key
    (`Trainee.name_key`: no spaces, no ZWNJ, ي/ك folded), so «زهرا  محمدي» finds
    «زهرا محمدی». Every term must match."""

    search_description = (
        "Name (any spelling of ی/ک, spaces, ZWNJ), national code, foreign national's code, "
        "passport number or mobile."
    )

    def filter_queryset(self, request, queryset, view):
        for term in self.get_search_terms(request):
            digits = normalize_digits(term).replace("-", "").replace(" ", "")
            if digits.isdigit():
                found = self._number_condition(request, digits)
                whole = Q(national_code=digits) | Q(foreign_code=digits)
            elif _PASSPORT_LIKE.fullmatch(digits):
                digits = digits.upper()
                found = self._code_condition(request, "passport_number", digits)
                whole = Q(passport_number=digits)
            else:
                queryset = queryset.filter(name_key__contains=search_key(term))
                continue
            if "details_shared" in queryset.query.annotations:
                # Someone registered elsewhere (not shared) is found by a whole identifier
                # only: a prefix or their mobile would reveal them.
                found = (found & Q(details_shared=True)) | whole
            queryset = queryset.filter(found)
        return queryset

    @staticmethod
    def _code_condition(request, field: str, value: str, lookup: str = "startswith") -> Q:
        # A code by its start (a mobile by any part), except for a caller who sees that
        # number masked: the whole number or nothing (empowerment/kernel/masking.py).
        if not masking.hides(request.user, field):
            return Q(**{f"{field}__{lookup}": value})
        whole = masking.exact_value(masking.kind_of(field), value)
        return Q(**{field: whole}) if whole is not None else Q(pk__in=[])

    @classmethod
    def _number_condition(cls, request, digits: str) -> Q:
        mobile = "0" + digits[2:] if digits.startswith("98") and len(digits) == 12 else digits
        return (
            cls._code_condition(request, "national_code", digits)
            | cls._code_condition(request, "foreign_code", digits)
            | cls._code_condition(request, "mobile", mobile, "contains")
        )

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            param["description"] = self.search_description
        return params
