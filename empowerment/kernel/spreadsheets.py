"""Reading an uploaded spreadsheet (.xlsx or .csv) into rows, safely.

Shared by every import: the file's content is checked (not only its name), its size and
row count are capped, and every problem is a Persian message for the person uploading.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import filetype
import openpyxl
from django.utils.translation import gettext as _

from empowerment.kernel.persian import normalize_text, search_key, to_persian_digits

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message is for the person uploading."""


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number people see in their spreadsheet program (header is 1)
    values: dict[str, str]  # header key -> text, normalised (ASCII digits)

    def is_blank(self) -> bool:
        return not any(self.values.values())


def header_key(text: str) -> str:
    """A header as a lookup key: normalised, no spaces or ZWNJ, no % or (٪) decoration."""
    return search_key(str(text or "").replace("٪", "").replace("%", "").replace("(", "")).replace(
        ")", ""
    )


def read_rows(upload, *, max_bytes: int = MAX_UPLOAD_BYTES, max_rows: int = MAX_ROWS):
    """The rows of an uploaded .xlsx or .csv file as `SheetRow`s (blank rows skipped).

    Returns (headers, rows): headers as keys (`header_key`) in column order.
    """
    name = (getattr(upload, "name", "") or "").lower()
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise SpreadsheetError(_too_big(max_bytes))
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SpreadsheetError(_too_big(max_bytes))
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    if name.endswith(".xlsx"):
        table = _xlsx_table(data)
    elif name.endswith(".csv"):
        table = _csv_table(data)
    else:
        raise SpreadsheetError(_("Upload an Excel (.xlsx) or CSV (.csv) file."))
    return _rows(table, max_rows)


def _too_big(max_bytes: int) -> str:
    return _("The file is larger than %(size)s MB.") % {
        "size": to_persian_digits(max_bytes // (1024 * 1024))
    }


def _xlsx_table(data: bytes):
    kind = filetype.guess(data)
    if kind is None or kind.extension not in ("xlsx", "zip"):
        raise SpreadsheetError(_("This file is not an Excel (.xlsx) spreadsheet."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SpreadsheetError(_("This file is not an Excel (.xlsx) spreadsheet.")) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _csv_table(data: bytes):
    # A binary file renamed .csv is recognised by its signature or by NUL bytes.
    if filetype.guess(data) is not None or b"\x00" in data[:4096]:
        raise SpreadsheetError(_("This file is not a CSV text file."))
    for encoding in ("utf-8-sig", "cp1256"):  # Excel on Persian Windows saves cp1256
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(_("Save the CSV file as UTF-8 text."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_text(str(value), digits="ascii")


def _rows(table, max_rows: int):
    if not table or not any(_cell_text(v) for v in table[0]):
        raise SpreadsheetError(_("The first row must hold the column names."))
    headers = [header_key(v) for v in table[0]]
    rows = []
    for index, raw in enumerate(table[1:], start=2):
        values = {
            header: _cell_text(raw[i] if i < len(raw) else None)
            for i, header in enumerate(headers)
            if header
        }
        row = SheetRow(number=index, values=values)
        if row.is_blank():
            continue
        rows.append(row)
        if len(rows) > max_rows:
            raise SpreadsheetError(
                _("The file has more than %(count)s rows; split it into smaller files.")
                % {"count": to_persian_digits(max_rows)}
            )
    if not rows:
        raise SpreadsheetError(_("The file has no rows below its column names."))
    return [h for h in headers if h], rows
