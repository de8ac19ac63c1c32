"""The one reader of uploaded spreadsheets (.xlsx or .csv), with every guard in one place.

Every import reads its file here: the trainee import (trainees/spreadsheets.py maps the
columns and checks the rows) and the neighbourhood indicator import (centres/services.py).

What a file must pass before a row is read:
- its size (declared and actual) is capped, and it is not empty;
- its name ends in .xlsx or .csv, and its content is what the name says (judged by the
  content, not the name: a renamed image or PDF is refused);
- a workbook is a real one (a zip holding a workbook), does not unpack to far more than
  its size (a zip bomb), and declares no DTD or entity in any part (XXE, "billion
  laughs");
- a CSV is text (no NUL bytes, no binary signature, not UTF-16), read as UTF-8 (with or
  without the BOM) or, failing that, as cp1256 (what Excel on Persian Windows saves);
- the row count is capped.
Every refusal is a `SpreadsheetError` whose message is Persian, for the person uploading;
no library text reaches them. Reading streams the rows (openpyxl's read-only mode, or the
csv module), so a large sheet never sits in memory as a workbook.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import filetype
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from empowerment.kernel.persian import normalize_text, search_key, to_persian_digits

# Default limits; an import passes its own. A real 10,000-row sheet is well under a
# megabyte zipped and expands perhaps tenfold; a zip bomb expands a thousandfold.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNCOMPRESSED_BYTES = 120 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100

XLSX = "xlsx"
CSV = "csv"
# Tried in order: UTF-8 (a BOM is dropped), then the Windows Arabic-script code page,
# which maps every byte, so a text file is always read.
CSV_ENCODINGS = ("utf-8-sig", "cp1256")


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message is for the person uploading, the
    `code` for programs (file_too_large, file_empty, file_type, not_xlsx, workbook_too_big,
    workbook_dtd, not_csv, too_many_rows, no_header, workbook_unreadable)."""

    def __init__(self, message, *, code: str):
        super().__init__(message)
        self.code = code


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


def cell_text(value, *, digits: str = "ascii") -> str:
    """A cell as normalised text ("" for an empty cell; 12.0 reads as 12)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_text(str(value), digits=digits)


# --- The file ----------------------------------------------------------------------------


def read_upload(upload, *, max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[bytes, str]:
    """The upload's bytes and its type (`XLSX` or `CSV`), after every file-level guard."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise SpreadsheetError(_too_big(max_bytes), code="file_too_large")
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise SpreadsheetError(_too_big(max_bytes), code="file_too_large")
    if not content:
        raise SpreadsheetError(_("The file is empty."), code="file_empty")
    name = (getattr(upload, "name", "") or "").lower()
    if name.endswith(".xlsx"):
        _check_xlsx(content)
        return content, XLSX
    if name.endswith(".csv"):
        _check_csv(content)
        return content, CSV
    raise SpreadsheetError(_("Upload an Excel (.xlsx) or CSV (.csv) file."), code="file_type")


def _too_big(max_bytes: int) -> str:
    return _("The file is larger than %(size)s MB. Split it into smaller files.") % {
        "size": to_persian_digits(max(max_bytes // (1024 * 1024), 1))
    }


def _not_xlsx() -> str:
    return _("This file is not a spreadsheet: it is not an Excel (.xlsx) workbook.")


def _check_xlsx(content: bytes) -> None:
    if content[:4] != b"PK\x03\x04":
        raise SpreadsheetError(_not_xlsx(), code="not_xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise SpreadsheetError(_not_xlsx(), code="not_xlsx") from None
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise SpreadsheetError(_not_xlsx(), code="not_xlsx")
        # The sizes come from the zip's directory; a forged directory is caught while
        # reading, because openpyxl's zip reader stops at the declared size.
        uncompressed = sum(info.file_size for info in infos)
        compressed = sum(info.compress_size for info in infos) or 1
        if (
            uncompressed > MAX_UNCOMPRESSED_BYTES
            or uncompressed / compressed > MAX_COMPRESSION_RATIO
        ):
            raise SpreadsheetError(
                _(
                    "This workbook unpacks to far more than its size and was refused. "
                    "Save the sheet again from Excel and upload it."
                ),
                code="workbook_too_big",
            )
        # Excel never writes a document type declaration; one is how XXE and "billion
        # laughs" files get in. openpyxl (with defusedxml) refuses entities only in the
        # parts it reads, and a bare external DTD it lets through: refuse any, in any part,
        # before the workbook is opened at all.
        for info in infos:
            try:
                declares = _declares_dtd(archive, info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError):
                raise SpreadsheetError(_not_xlsx(), code="not_xlsx") from None
            if declares:
                raise SpreadsheetError(
                    _(
                        "This workbook contains a document type declaration (DTD), which "
                        "Excel never writes, and was refused for safety. Save the sheet "
                        "again from Excel and upload it."
                    ),
                    code="workbook_dtd",
                )


_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)


def _declares_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether the member declares a DTD or an entity anywhere (read in overlapping chunks,
    so a marker across a chunk boundary is still seen; the sizes were checked above)."""
    if info.is_dir():
        return False
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(1 << 20):
            window = tail + chunk
            if any(marker in window for marker in _DTD_MARKERS):
                return True
            tail = window[-32:]
    return False


def _check_csv(content: bytes) -> None:
    # A binary file renamed .csv is recognised by its signature (an image, a PDF, a zip),
    # by NUL bytes, or by a UTF-16 byte order mark (Excel's "Unicode text").
    if (
        filetype.guess(content) is not None
        or b"\x00" in content[:4096]
        or content[:2] in (b"\xff\xfe", b"\xfe\xff")
    ):
        raise SpreadsheetError(
            _("This file is not a spreadsheet: it is not a CSV text file."), code="not_csv"
        )


def _csv_text(content: bytes) -> str:
    for encoding in CSV_ENCODINGS[:-1]:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode(CSV_ENCODINGS[-1], errors="replace")


# --- The rows ----------------------------------------------------------------------------


def iter_table(content: bytes, file_type: str, *, max_rows: int = MAX_ROWS) -> Iterator[list]:
    """Yield each row as a list of raw cell values (text for a CSV; numbers, dates and text
    for a workbook), the header row first. More than `max_rows` non-empty rows below the
    header is a refusal."""
    rows = _csv_rows(content) if file_type == CSV else _xlsx_rows(content)
    counted = -1  # the header row is not counted
    for row in rows:
        if any(cell not in (None, "") for cell in row):
            counted += 1
            if counted > max_rows:
                raise SpreadsheetError(
                    _("The file has more than %(count)s rows; split it into smaller files.")
                    % {"count": to_persian_digits(max_rows)},
                    code="too_many_rows",
                )
        yield row


def table_header(rows: Iterator[list]) -> list:
    """The first row of `iter_table`'s rows (taken from the iterator); it must name columns."""
    header = next(rows, None)
    if not header or not any(cell_text(v) for v in header):
        raise SpreadsheetError(_("The first row must hold the column names."), code="no_header")
    return header


def _csv_rows(content: bytes) -> Iterator[list]:
    text = io.StringIO(_csv_text(content), newline="")
    try:
        dialect = csv.Sniffer().sniff(text.read(4096), delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    text.seek(0)
    yield from csv.reader(text, dialect)


def _unreadable_workbook() -> str:
    return _("The workbook could not be read. Save it again from Excel and upload it.")


def _xlsx_rows(content: bytes) -> Iterator[list]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise SpreadsheetError(_unreadable_workbook(), code="workbook_unreadable") from None
    try:
        sheet = workbook.worksheets[0]
        # Read-only mode parses the sheet while rows are taken: a malformed or forbidden
        # part (defusedxml's EntitiesForbidden, wrapped by openpyxl) shows up here, not at
        # load_workbook, and must become a refusal rather than a server error.
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception:
                raise SpreadsheetError(_unreadable_workbook(), code="workbook_unreadable") from None
            yield list(row)
    finally:
        workbook.close()


def read_rows(upload, *, max_bytes: int = MAX_UPLOAD_BYTES, max_rows: int = MAX_ROWS):
    """The rows of an uploaded .xlsx or .csv file as `SheetRow`s (blank rows skipped), cells
    as normalised text.

    Returns (headers, rows): headers as keys (`header_key`) in column order.
    """
    content, file_type = read_upload(upload, max_bytes=max_bytes)
    table = iter_table(content, file_type, max_rows=max_rows)
    headers = [header_key(v) for v in table_header(table)]
    rows = []
    for index, raw in enumerate(table, start=2):
        values = {
            header: cell_text(raw[i] if i < len(raw) else None)
            for i, header in enumerate(headers)
            if header
        }
        row = SheetRow(number=index, values=values)
        if not row.is_blank():
            rows.append(row)
    if not rows:
        raise SpreadsheetError(_("The file has no rows below its column names."))
    return [h for h in headers if h], rows
