"""Trainee spreadsheets: the import's columns and row validation, and the exports.

Staff write the columns in Persian. The file itself is read by the kernel's one reader
(empowerment/kernel/spreadsheets.py: size, content, zip bomb, DTD, encodings, row count),
which streams the rows; the preview keeps only the normalised values of each row and the
reasons rows are refused. Nothing here writes to the database: the services do, after
staff confirm.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

import jdatetime
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from centres.models import Neighbourhood
from empowerment.kernel import masking, spreadsheets
from empowerment.kernel.exports import set_cell, write_xlsx
from empowerment.kernel.jalali import InvalidJalaliDate, format_jalali, parse_jalali, to_jalali
from empowerment.kernel.persian import search_key
from empowerment.kernel.spreadsheets import SpreadsheetError, cell_text, header_key
from empowerment.kernel.validators import (
    normalize_foreign_code,
    normalize_mobile,
    normalize_national_code,
    normalize_passport,
    validate_foreign_code,
    validate_mobile,
    validate_national_code,
    validate_passport,
)
from programs.models import Cohort

from .models import IDENTITY_FIELDS, Trainee
from .models.registry import hide_unshared

# The trainee import's limits (the kernel reader enforces them): a centre's whole registry
# may come in one file.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_ROWS = 20_000


# --- Columns -----------------------------------------------------------------------------

# field -> the column header staff write, and other spellings accepted for it.
COLUMNS: dict[str, tuple[str, ...]] = {
    "first_name": ("نام",),
    "last_name": ("نام خانوادگی", "نام‌خانوادگی", "فامیل"),
    "father_name": ("نام پدر",),
    "national_code": ("کد ملی", "کدملی", "شماره ملی"),
    "mobile": ("تلفن همراه", "موبایل", "شماره همراه"),
    "gender": ("جنسیت",),
    "birth_date": ("تاریخ تولد",),
    "neighbourhood": ("محله",),
    "education": ("تحصیلات", "میزان تحصیلات"),
    "employment_status": ("وضعیت اشتغال",),
    "referral_source": ("نحوه آشنایی", "نحوه آشنایی با مرکز"),
    "cohort": ("کد دوره",),
    # Residents without an Iranian national code: their nationality, and the foreign
    # nationals' code or a passport number instead of the national code.
    "nationality": ("ملیت", "تابعیت"),
    "foreign_code": ("کد یکتای اتباع", "کد اتباع", "کد فراگیر اتباع", "شماره کارت آمایش"),
    "passport_number": ("شماره گذرنامه", "شماره پاسپورت", "گذرنامه", "پاسپورت"),
}
REQUIRED = ("first_name", "last_name", "national_code", "gender")
# A sheet of foreign nationals only may leave out the national code's column if it has
# the nationality's: the header needs one of the two.
IDENTITY_COLUMNS = ("national_code", "nationality")

# The Persian words staff use for each choice; matched by search key.
CHOICE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "nationality": {
        "iranian": ("ایرانی", "ایران"),
        "afghan": ("افغانستانی", "افغان", "افغانی", "افغانستان"),
        "iraqi": ("عراقی", "عراق"),
        "pakistani": ("پاکستانی", "پاکستان"),
        "other": ("سایر", "دیگر", "سایر اتباع"),
    },
    "gender": {"female": ("زن", "خانم", "مونث"), "male": ("مرد", "آقا", "مذکر")},
    "education": {
        "none": ("بی سواد", "بی‌سواد", "بدون تحصیلات"),
        "primary": ("ابتدایی",),
        "middle": ("سیکل", "راهنمایی", "متوسطه اول"),
        "diploma": ("دیپلم",),
        "associate": ("فوق دیپلم", "کاردانی"),
        "bachelor": ("لیسانس", "کارشناسی"),
        "master": ("فوق لیسانس", "کارشناسی ارشد", "دکتری"),
    },
    "employment_status": {
        "unemployed": ("بیکار", "جویای کار"),
        "employed": ("شاغل",),
        "self_employed": ("خویش فرما", "خوداشتغال", "آزاد"),
        "homemaker": ("خانه دار", "خانه‌دار"),
        "student": ("دانشجو", "دانش آموز", "محصل"),
        "retired": ("بازنشسته",),
    },
    "referral_source": {
        "neighbours": ("همسایه", "دوستان", "آشنایان", "خانواده"),
        "mosque": ("مسجد", "شورای محله"),
        "relief": ("کمیته امداد",),
        "school": ("مدرسه",),
        "social_media": ("فضای مجازی", "شبکه های اجتماعی"),
        "call": ("فراخوان",),
        "other": ("سایر", "دیگر"),
    },
}
_CHOICE_KEYS = {
    name: {search_key(word): value for value, words in choices.items() for word in words}
    | {value: value for value in choices}
    for name, choices in CHOICE_WORDS.items()
}
_HEADER_KEYS = {header_key(header): name for name, headers in COLUMNS.items() for header in headers}


def column_title(name: str) -> str:
    return COLUMNS[name][0]


# --- Reading an upload -------------------------------------------------------------------


def read_upload(uploaded_file) -> tuple[bytes, str]:
    """The file's bytes and its type ("xlsx" or "csv"), after the kernel reader's guards,
    within the trainee import's limits."""
    return spreadsheets.read_upload(uploaded_file, max_bytes=MAX_UPLOAD_BYTES)


# --- Validating rows ---------------------------------------------------------------------


@dataclass
class Preview:
    total: int = 0
    creates: int = 0
    updates: int = 0
    elsewhere: int = 0
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def _text(value) -> str:
    return cell_text(value, digits="persian")


def _code(value) -> tuple[str, bool]:
    """A code typed in a cell, and whether the cell held a number (leading zeros lost)."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return cell_text(value, digits="ascii"), numeric


def _date(value) -> jdatetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        # A real date cell is Gregorian (Excel's calendar); staff who type Jalali dates
        # give text, which parse_jalali reads.
        return to_jalali(value)
    return parse_jalali(str(value))


def date_from_report(value: str | None) -> jdatetime.date | None:
    return parse_jalali(value) if value else None


def preview_rows(*, content: bytes, file_type: str, centre) -> Preview:
    """What each row of an upload would do at `centre`; raises SpreadsheetError when the
    file as a whole is refused (the kernel reader's guards, or required columns missing)."""
    rows = spreadsheets.iter_table(content, file_type, max_rows=MAX_ROWS)
    header = spreadsheets.table_header(rows)
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        name = _HEADER_KEYS.get(header_key(_text(title)))
        if name and name not in positions:
            positions[name] = index
    missing = [
        column_title(name)
        for name in REQUIRED
        if name not in positions and not (name == "national_code" and "nationality" in positions)
    ]
    if missing:
        raise SpreadsheetError(
            _("The first row must name these columns: %(columns)s.")
            % {"columns": "، ".join(missing)},
            code="columns_missing",
        )

    # Lookups the rows refer to, read once.
    neighbourhoods = {
        search_key(name): pk
        for pk, name in Neighbourhood.objects.filter(district__city=centre.city_id).values_list(
            "pk", "name"
        )
    }
    cohorts = {
        code.upper(): (pk, closed)
        for pk, code, closed in Cohort.objects.filter(centre=centre).values_list(
            "pk", "code", "status"
        )
    }
    preview = Preview()
    seen: dict[tuple[str, str], int] = {}
    parsed: list[tuple[int, dict]] = []
    for row_number, cells in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in cells):
            continue
        if _is_example_row(cells, positions):
            # The template's example row, left in by staff who wrote below it.
            continue
        preview.total += 1
        data, errors = _validate_row(cells, positions, neighbourhoods, cohorts)
        if not errors:
            for name in IDENTITY_FIELDS:
                code = data.get(name)
                if not code:
                    continue
                if (name, code) in seen:
                    errors.append(
                        (
                            name,
                            _("This identifier is already in row %(row)s of the file.")
                            % {"row": seen[name, code]},
                        )
                    )
                else:
                    seen[name, code] = row_number
        for column, message in errors:
            preview.errors.append(
                {
                    "row": row_number,
                    "field": column,
                    "column": column_title(column),
                    "message": str(message),
                }
            )
        if not errors:
            parsed.append((row_number, data))

    registered_at = {
        identity_key_of(trainee): trainee.registered_at_id
        for trainee in existing_trainees(
            [data for _row, data in parsed], only=("registered_at", "nationality", *IDENTITY_FIELDS)
        ).values()
    }
    for row_number, data in parsed:
        key = identity_key(data)
        where = registered_at.get(key) if key else None
        if where is None:
            action = "create"
            preview.creates += 1
        elif where == centre.pk:
            action = "update"
            preview.updates += 1
        else:
            # Registered at another centre: the row may only enrol the person here. The
            # report keeps what enrolling needs and says nothing of the other record.
            action = "elsewhere"
            preview.elsewhere += 1
            data = {
                name: data[name]
                for name in (*IDENTITY_FIELDS, "first_name", "last_name", "cohort")
                if name in data
            }
        preview.rows.append({"row": row_number, "action": action, "data": data})
    return preview


def identity_key(data: dict) -> tuple[str, str] | None:
    """The identifier a row (or a report's data) names its person by: the first of the
    national code, the foreign national's code and the passport number; None for a foreign
    national with none of them (such a row always registers someone new)."""
    for name in IDENTITY_FIELDS:
        if data.get(name):
            return name, data[name]
    return None


def identity_key_of(trainee: Trainee) -> tuple[str, str] | None:
    return trainee.identity


def existing_trainees(rows: list[dict], *, only: tuple = ()) -> dict[tuple, Trainee]:
    """The registered trainees the rows name, by `identity_key_of`: one query per kind of
    identifier and 2000 values (well under the database's parameter limits)."""
    found: dict[tuple, Trainee] = {}
    for name in IDENTITY_FIELDS:
        values = list(dict.fromkeys(row[name] for row in rows if row.get(name)))
        for start in range(0, len(values), 2000):
            queryset = Trainee.objects.filter(**{f"{name}__in": values[start : start + 2000]})
            for trainee in queryset.only(*only) if only else queryset:
                found[identity_key_of(trainee)] = trainee
    return found


def _is_example_row(cells, positions) -> bool:
    index = positions.get("national_code")
    if index is None:
        return False
    if index >= len(cells) or _code(cells[index])[0] != EXAMPLE_NATIONAL_CODE:
        return False
    index = positions["last_name"]
    return index < len(cells) and _text(cells[index]) == EXAMPLE_ROW["last_name"]


def _validate_row(cells, positions, neighbourhoods, cohorts) -> tuple[dict, list]:
    def cell(name):
        index = positions.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    errors: list[tuple[str, str]] = []
    data: dict = {}
    for name in ("first_name", "last_name", "father_name"):
        data[name] = _text(cell(name))
    for name in ("first_name", "last_name"):
        if not data[name]:
            errors.append((name, _("This column is required.")))
        elif len(data[name]) > 100:
            errors.append((name, _("Too long: at most 100 letters.")))

    nationality = _text(cell("nationality"))
    data["nationality"] = Trainee.Nationality.IRANIAN
    if nationality:
        found = _CHOICE_KEYS["nationality"].get(search_key(nationality))
        if found is None:
            errors.append(
                (
                    "nationality",
                    _("“%(value)s” is not one of: %(choices)s.")
                    % {
                        "value": nationality,
                        "choices": "، ".join(
                            words[0] for words in CHOICE_WORDS["nationality"].values()
                        ),
                    },
                )
            )
        else:
            data["nationality"] = found
    foreign = data["nationality"] != Trainee.Nationality.IRANIAN

    code, numeric = _code(cell("national_code"))
    code = normalize_national_code(code)
    if foreign:
        if code:
            errors.append(
                (
                    "national_code",
                    _("A foreign national has no Iranian national code: leave it empty."),
                )
            )
    else:
        try:
            validate_national_code(code)
            data["national_code"] = code
        except ValidationError as error:
            message = error.messages[0]
            if numeric and len(code) < 10:
                message += " " + _(
                    "The cell holds a number, so leading zeros may have been lost: "
                    "format the column as text."
                )
            errors.append(("national_code", message))

    for name, normalise, validate in (
        ("foreign_code", normalize_foreign_code, validate_foreign_code),
        ("passport_number", normalize_passport, validate_passport),
    ):
        value = normalise(_code(cell(name))[0])
        if not value:
            continue
        if not foreign:
            errors.append((name, _("Only a foreign national is registered with this identifier.")))
            continue
        try:
            validate(value)
            data[name] = value
        except ValidationError as error:
            errors.append((name, error.messages[0]))

    mobile, _numeric = _code(cell("mobile"))
    data["mobile"] = ""
    if mobile:
        try:
            validate_mobile(mobile)
            data["mobile"] = normalize_mobile(mobile)
        except ValidationError as error:
            errors.append(("mobile", error.messages[0]))

    for name in ("gender", "education", "employment_status", "referral_source"):
        text = _text(cell(name))
        data[name] = ""
        if not text:
            if name in REQUIRED:
                errors.append((name, _("This column is required.")))
            continue
        value = _CHOICE_KEYS[name].get(search_key(text))
        if value is None:
            errors.append(
                (
                    name,
                    _("“%(value)s” is not one of: %(choices)s.")
                    % {
                        "value": text,
                        "choices": "، ".join(words[0] for words in CHOICE_WORDS[name].values()),
                    },
                )
            )
        else:
            data[name] = value

    data["birth_date"] = None
    try:
        birth_date = _date(cell("birth_date"))
        if birth_date is not None:
            data["birth_date"] = format_jalali(birth_date)
    except InvalidJalaliDate as error:
        errors.append(("birth_date", str(error)))

    data["neighbourhood"] = None
    neighbourhood = _text(cell("neighbourhood"))
    if neighbourhood:
        data["neighbourhood"] = neighbourhoods.get(search_key(neighbourhood))
        if data["neighbourhood"] is None:
            errors.append(
                (
                    "neighbourhood",
                    _("No neighbourhood “%(name)s” in this centre's city.")
                    % {"name": neighbourhood},
                )
            )

    data["cohort"] = None
    cohort_code, _numeric = _code(cell("cohort"))
    if cohort_code:
        found = cohorts.get(cohort_code.upper())
        if found is None:
            errors.append(
                (
                    "cohort",
                    _("No cohort with code “%(code)s” at this centre.") % {"code": cohort_code},
                )
            )
        elif found[1] in ("completed", "cancelled"):
            errors.append(("cohort", _("Cohort “%(code)s” is closed.") % {"code": cohort_code}))
        else:
            data["cohort"] = found[0]
    # A column the sheet lacks, or an empty cell, gives no value: it never blanks what the
    # registry holds (an import adds and corrects, it does not erase).
    data = {
        name: value
        for name, value in data.items()
        if name in REQUIRED or (name in positions and value not in ("", None))
    }
    return data, errors


def differs(trainee, data: dict) -> bool:
    """Whether importing `data` would change the trainee (re-imports change nothing)."""
    for name, value in data.items():
        current = getattr(trainee, name)
        if name == "neighbourhood":
            if trainee.neighbourhood_id != (value.pk if value else None):
                return True
        elif (current or None) != (value or None):
            return True
    return False


# --- The template and the refused rows ------------------------------------------------

# The template's example row: an invented person whose national code is valid but is
# never imported (the preview skips a row with this code and last name).
EXAMPLE_NATIONAL_CODE = "0010000003"
EXAMPLE_ROW = {
    "first_name": "مریم",
    "last_name": "نمونه (این ردیف وارد نمی‌شود)",
    "father_name": "علی",
    "national_code": EXAMPLE_NATIONAL_CODE,
    "mobile": "09131234567",
    "gender": "زن",
    "birth_date": "1375/06/21",
    "education": "دیپلم",
    "employment_status": "خانه‌دار",
    "referral_source": "مسجد",
    "nationality": "ایرانی",
}
TEMPLATE_ROWS = 2000  # rows of the template that offer the lists
_LISTS_SHEET = "فهرست‌ها"


def import_template_xlsx(*, neighbourhoods: list[str], cohorts: list[str]) -> bytes:
    """The import's template: every column the importer reads (the required ones first),
    one example row, and a drop-down list on each column with fixed choices (gender,
    education, employment, how they heard of the centre, the neighbourhoods of the
    centres' cities and their open cohorts). The lists sit on a hidden sheet, since a list
    written in the rule itself is limited to 255 characters."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("trainees"))
    sheet.sheet_view.rightToLeft = True
    lists_sheet = workbook.create_sheet(_LISTS_SHEET)
    lists_sheet.sheet_state = "hidden"
    names = [*REQUIRED, *(name for name in COLUMNS if name not in REQUIRED)]
    example = {
        **EXAMPLE_ROW,
        "neighbourhood": neighbourhoods[0] if neighbourhoods else "",
        "cohort": cohorts[0] if cohorts else "",
    }
    choices = {
        name: [words[0] for words in CHOICE_WORDS[name].values()] for name in CHOICE_WORDS
    } | {"neighbourhood": neighbourhoods, "cohort": cohorts}
    list_column = 0
    for index, name in enumerate(names, start=1):
        header = sheet.cell(row=1, column=index)
        set_cell(header, column_title(name))
        header.font = Font(bold=name in REQUIRED)
        # Codes and dates stay text, so Excel keeps leading zeros and Jalali dates.
        set_cell(sheet.cell(row=2, column=index), example.get(name, ""))
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 18
        if name in (
            "national_code",
            "foreign_code",
            "passport_number",
            "mobile",
            "birth_date",
            "cohort",
        ):
            # The whole column as text (a column style: no empty cells written).
            sheet.column_dimensions[letter].number_format = "@"
        values = choices.get(name)
        if not values:
            continue
        list_column += 1
        list_letter = get_column_letter(list_column)
        set_cell(lists_sheet.cell(row=1, column=list_column), column_title(name))
        for row, value in enumerate(values, start=2):
            set_cell(lists_sheet.cell(row=row, column=list_column), value)
        rule = DataValidation(
            type="list",
            formula1=f"'{_LISTS_SHEET}'!${list_letter}$2:${list_letter}${len(values) + 1}",
            allow_blank=name not in REQUIRED,
            showErrorMessage=False,  # a word the importer also knows may be typed
        )
        rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refused_rows_xlsx(*, content: bytes, file_type: str, errors: list[dict]) -> bytes:
    """The rows a preview refused, as they were in the file, with their row number and
    every reason beside each: staff correct this file and import it again."""
    reasons: dict[int, list[str]] = {}
    for error in errors:
        reasons.setdefault(error["row"], []).append(f"{error['column']}: {error['message']}")
    rows = spreadsheets.iter_table(content, file_type, max_rows=MAX_ROWS)
    header = [_text(title) for title in spreadsheets.table_header(rows)]

    def refused():
        for row_number, cells in enumerate(rows, start=2):
            if row_number in reasons:
                cells = list(cells) + [None] * (len(header) - len(cells))
                yield [*cells, row_number, "؛ ".join(reasons[row_number])]

    return write_xlsx([*header, _("row in the file"), _("why it was refused")], refused())


# --- Export ------------------------------------------------------------------------------


def _masker(user):
    """A function that hides, as `user` may see it, a trainee row's personal numbers
    (identifiers, mobile: masked) and details (father's name, birth date: blank), as the
    admin's list and the API show them; without a user (a task, a test) nothing is hidden."""
    if user is None:
        return lambda trainee: trainee
    kinds = masking.masked_kinds(user)
    details = masking.sees_personal_details(user)
    fields = [name for name, kind in masking.MASKED_FIELDS.items() if kind in kinds]

    def hide(trainee):
        # For the export only: the instance is never saved afterwards.
        for name in fields:
            if hasattr(trainee, name):
                setattr(
                    trainee,
                    name,
                    masking.mask_kind(masking.MASKED_FIELDS[name], getattr(trainee, name)),
                )
        if not details:
            trainee.father_name, trainee.birth_date = "", None
        return trainee

    return hide


def trainees_xlsx(queryset, *, user=None) -> bytes:
    headers = [
        column_title("first_name"),
        column_title("last_name"),
        column_title("father_name"),
        column_title("national_code"),
        column_title("mobile"),
        column_title("gender"),
        column_title("birth_date"),
        column_title("neighbourhood"),
        column_title("education"),
        column_title("employment_status"),
        column_title("referral_source"),
        _("registered at"),
        _("registration date"),
        # Added after the columns that readers already know by their position.
        column_title("nationality"),
        column_title("foreign_code"),
        column_title("passport_number"),
    ]
    queryset = queryset.select_related("neighbourhood", "registered_at").order_by("pk")
    hide = _masker(user)

    def rows():
        for t in queryset.iterator(chunk_size=2000):
            if hasattr(t, "details_shared"):
                # A person registered elsewhere who has not consented: name only.
                hide_unshared(t)
            hide(t)
            yield [
                t.first_name,
                t.last_name,
                t.father_name,
                t.national_code,
                t.mobile,
                t.get_gender_display(),
                format_jalali(t.birth_date),
                t.neighbourhood.name if t.neighbourhood else "",
                t.get_education_display(),
                t.get_employment_status_display(),
                t.get_referral_source_display(),
                t.registered_at.name,
                format_jalali(timezone.localtime(t.created_at)),
                t.get_nationality_display(),
                t.foreign_code,
                t.passport_number,
            ]

    return write_xlsx([str(h) for h in headers], rows())


def enrolments_xlsx(queryset, *, user=None) -> bytes:
    headers = [
        column_title("first_name"),
        column_title("last_name"),
        column_title("national_code"),
        column_title("cohort"),
        _("cohort"),
        _("status"),
        _("enrolment date"),
        _("attendance (%)"),
        _("certificate number"),
        _("certificate date"),
        _("drop-out reason"),
        column_title("foreign_code"),
        column_title("passport_number"),
    ]
    queryset = queryset.select_related("trainee", "cohort").order_by("pk")
    hide = _masker(user)

    def rows():
        for e in queryset.iterator(chunk_size=2000):
            if not getattr(e, "trainee_details_shared", True):
                hide_unshared(e.trainee, shared=False)
            hide(e.trainee)
            yield [
                e.trainee.first_name,
                e.trainee.last_name,
                e.trainee.national_code,
                e.cohort.code,
                e.cohort.title,
                e.get_status_display(),
                format_jalali(e.enrolled_on),
                float(e.attendance_percent) if e.attendance_percent is not None else "",
                e.certificate_number or "",
                format_jalali(e.certificate_issued_on),
                e.drop_reason,
                e.trainee.foreign_code,
                e.trainee.passport_number,
            ]

    return write_xlsx([str(h) for h in headers], rows())
