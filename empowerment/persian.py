"""The one Persian text normaliser, applied on save and on search input.

Staff type with whatever keyboard they have: an Arabic keyboard gives ي and ك, a phone
may give Persian (۰-۹) or Arabic-Indic (٠-٩) digits. Stored text uses the Persian letters
and Persian digits (a name such as «منطقه ۱۴» reads as it was written); numbers and codes
(national code, mobile, phone) use ASCII digits. The zero-width non-joiner (ZWNJ, U+200C) is part of
correct Persian spelling and is kept in stored text; only search keys drop it.
"""

import re

ZWNJ = "\u200c"

_LETTERS = str.maketrans(
    {
        "ي": "ی",  # Arabic yeh
        "ى": "ی",  # alef maksura
        "ك": "ک",  # Arabic kaf
        "ۀ": "هٔ",
        "ة": "ه",
        "\u0640": None,  # tatweel (kashida) is decoration only
        "\u200f": None,  # right-to-left mark
        "\u200e": None,  # left-to-right mark
        "\ufeff": None,  # byte order mark
    }
)
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_TO_PERSIAN_DIGITS = str.maketrans("0123456789٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_ZWNJ_RUNS = re.compile(r"[ \t\u00a0\u200c]*\u200c[ \t\u00a0\u200c]*")


def normalize_digits(value: str) -> str:
    """Persian and Arabic-Indic digits to ASCII."""
    return value.translate(_DIGITS)


def normalize_text(value: str | None, *, digits: str | None = "ascii") -> str:
    """Normalise letters and digits ("ascii", "persian" or None to keep), fold spaces, trim.

    A ZWNJ next to a space is a typing slip and becomes the space alone; between letters it
    is kept.
    """
    if value is None:
        return ""
    value = str(value).translate(_LETTERS)
    if digits == "ascii":
        value = value.translate(_DIGITS)
    elif digits == "persian":
        value = value.translate(_TO_PERSIAN_DIGITS)
    value = _ZWNJ_RUNS.sub(lambda m: ZWNJ if m.group().strip(ZWNJ) == "" else " ", value)
    value = _SPACES.sub(" ", value)
    lines = [line.strip().strip(ZWNJ).strip() for line in value.splitlines()]
    return "\n".join(lines).strip()


def search_key(value: str | None) -> str:
    """A key that matches however a name was typed: normalised, no ZWNJ, no spaces."""
    return normalize_text(value).replace(ZWNJ, "").replace(" ", "").lower()


def to_persian_digits(value: object) -> str:
    return str(value).translate(_TO_PERSIAN_DIGITS)
