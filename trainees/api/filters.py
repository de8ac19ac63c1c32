"""Trainee search: a name however it was typed, a national code or mobile in any digits."""

from django.db.models import Q
from rest_framework import filters

from empowerment.kernel import masking
from empowerment.kernel.persian import normalize_digits, search_key


class TraineeSearchFilter(filters.SearchFilter):
    """`?search=`: terms with digits look in the national code and mobile (Persian or
    Arabic digits read as ASCII, as the codes are stored); other terms in the name key
    (`Trainee.name_key`: no spaces, no ZWNJ, ي/ك folded), so «زهرا  محمدي» finds
    «زهرا محمدی». Every term must match."""

    search_description = "Name (any spelling of ی/ک, spaces, ZWNJ), national code or mobile."

    def filter_queryset(self, request, queryset, view):
        for term in self.get_search_terms(request):
            digits = normalize_digits(term).replace("-", "").replace(" ", "")
            if digits.isdigit():
                if digits.startswith("98") and len(digits) == 12:
                    digits = "0" + digits[2:]
                found = self._number_condition(request, digits)
                if "details_shared" in queryset.query.annotations:
                    # Someone registered elsewhere (not shared) is found by their whole
                    # national code only: a prefix or their mobile would reveal both.
                    found = (found & Q(details_shared=True)) | Q(national_code=digits)
                queryset = queryset.filter(found)
            else:
                queryset = queryset.filter(name_key__contains=search_key(term))
        return queryset

    @staticmethod
    def _number_condition(request, digits: str) -> Q:
        # A code by its start and a mobile by any part, except for a caller who sees that
        # number masked: the whole number or nothing (empowerment/kernel/masking.py).
        condition = Q(pk__in=[])
        for field, lookup in (("national_code", "startswith"), ("mobile", "contains")):
            if not masking.hides(request.user, field):
                condition |= Q(**{f"{field}__{lookup}": digits})
                continue
            whole = masking.exact_value(masking.kind_of(field), digits)
            if whole is not None:
                condition |= Q(**{field: whole})
        return condition

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            param["description"] = self.search_description
        return params
