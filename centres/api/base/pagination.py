"""Pagination of every list: page numbers by default, a cursor on the large lists."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M` (M at most 200). Answers count, next, previous, results."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(pagination.CursorPagination):
    """For the large lists (trainees, attendance): stable under inserts, no COUNT(*).

    The view's `ordering` must end in a unique, unchanging field (e.g. ("-created_at",
    "-id")); an OrderingFilter on the view may reorder by the fields it allows.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-id",)
