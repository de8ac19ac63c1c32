"""A figure's table as an .xlsx workbook: Persian headers, Jalali dates, right to left.

Every cell is written through the kernel's safe cell (empowerment/kernel/exports.py):
exported names come from people's input and must never run as a formula.
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from empowerment.dashboards.figures import Figure
from empowerment.kernel.exports import set_cell, xlsx_response
from empowerment.kernel.jalali import format_jalali, today_jalali


def figure_workbook(figure: Figure, *, subtitle: str = "") -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = figure.slug[:31]
    sheet.sheet_view.rightToLeft = True
    set_cell(sheet.cell(row=1, column=1), str(figure.title))
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    set_cell(sheet.cell(row=2, column=1), subtitle or figure.subtitle)
    set_cell(
        sheet.cell(row=3, column=1),
        _("Exported on %(date)s") % {"date": format_jalali(today_jalali())},
    )
    header_row = 5
    for index, column in enumerate(figure.columns, start=1):
        cell = sheet.cell(row=header_row, column=index)
        set_cell(cell, str(column.label))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBE5")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(str(column.label)) + 4)
    for offset, row in enumerate(figure.rows, start=1):
        for index, column in enumerate(figure.columns, start=1):
            cell = sheet.cell(row=header_row + offset, column=index)
            set_cell(cell, column.export_value(row.get(column.key)))
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
    return xlsx_response(buffer.getvalue(), f"{filename}.xlsx")
