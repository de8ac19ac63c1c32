"""Search with the one Persian normaliser, as the admin searches."""

from rest_framework import filters

from empowerment.persian import normalize_text


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
        if by_persian is queryset or str(by_ascii.query) == str(by_persian.query):
            return by_ascii
        return by_ascii | by_persian
