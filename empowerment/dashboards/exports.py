"""A figure's table as an .xlsx workbook: Persian headers, Jalali dates, right to left.

Cells that a spreadsheet program would run as a formula (text beginning with =, +, - or
@, or a tab or carriage return that hides one) are escaped with a leading apostrophe and
stored as text: exported names come from people's input.
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from empowerment.dashboards.figures import Figure
from empowerment.kernel.jalali import format_jalali, today_jalali

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """The value, with text that could run as a formula escaped."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _set(cell, value):
    value = safe_cell(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never "f", whatever the text looks like


def figure_workbook(figure: Figure, *, subtitle: str = "") -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = figure.slug[:31]
    sheet.sheet_view.rightToLeft = True
    _set(sheet.cell(row=1, column=1), str(figure.title))
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    _set(sheet.cell(row=2, column=1), subtitle or figure.subtitle)
    _set(
        sheet.cell(row=3, column=1),
        _("Exported on %(date)s") % {"date": format_jalali(today_jalali())},
    )
    header_row = 5
    for index, column in enumerate(figure.columns, start=1):
        cell = sheet.cell(row=header_row, column=index)
        _set(cell, str(column.label))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBE5")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(str(column.label)) + 4)
    for offset, row in enumerate(figure.rows, start=1):
        for index, column in enumerate(figure.columns, start=1):
            cell = sheet.cell(row=header_row + offset, column=index)
            _set(cell, column.export_value(row.get(column.key)))
            if column.kind == "decimal":
                cell.number_format = "0." + "0" * column.decimals if column.decimals else "0"
            elif column.kind == "int":
                cell.number_format = "#,##0"
            if row.get("_total") or row.get("_highlight"):
                cell.font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    return workbook


def figure_xlsx_response(figure: Figure, *, filename: str, subtitle: str = "") -> HttpResponse:
    buffer = io.BytesIO()
    figure_workbook(figure, subtitle=subtitle).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
