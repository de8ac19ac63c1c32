"""Spreadsheets going out: the one safe cell, and the one way an .xlsx file is written and
sent. Every export (the admin's trainee and enrolment exports, the dashboards' figures)
writes its cells through `safe_cell`.

Exported text comes from people's input: a cell beginning with =, +, - or @ (or a tab or
carriage return that hides one) would run as a formula in a spreadsheet program (CSV or
formula injection), so such text gets a leading apostrophe and is stored as text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.http import HttpResponse
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """The value, with text that could run as a formula escaped; numbers, dates and plain
    text are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def set_cell(cell, value) -> None:
    """Write a value into an openpyxl cell safely: escaped, and text is always text."""
    value = safe_cell(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never "f", whatever the text looks like


def write_xlsx(headers: list[str], rows: Iterable[Iterable]) -> bytes:
    """A one-sheet, right-to-left workbook of `headers` and `rows`, streamed (write-only
    mode), so a large export does not sit in memory as cells."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.sheet_view.rightToLeft = True
    sheet.append([safe_cell(str(h)) for h in headers])
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download. Exports hold personal data and scoped figures: no cache keeps
    them, and the browser takes the declared type as it is."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
