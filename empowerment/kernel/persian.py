"""The one Persian text normaliser, applied on save and on search input.

Staff type with whatever keyboard they have: an Arabic keyboard gives ي and ك, a phone
may give Persian (۰-۹) or Arabic-Indic (٠-٩) digits, and a pasted text any other script's
(full-width ０-９, Devanagari ०-९...). Stored text uses the Persian letters
and Persian digits (a name such as «منطقه ۱۴» reads as it was written); numbers and codes
(national code, mobile, phone) use ASCII digits. The zero-width non-joiner (ZWNJ, U+200C) is part of
correct Persian spelling and is kept in stored text; only search keys drop it.
"""

import re
import unicodedata

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
_TO_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Every Unicode decimal digit (category Nd, which is what `\d` matches in a str pattern),
# not only the Persian and Arabic ones: a code written in full-width or Devanagari digits
# must become the same ASCII code, or it is stored twice and its SMS cap is another's.
_NON_ASCII_DIGIT = re.compile(r"[^\x00-\x7f]")


def _ascii_digit(match: re.Match) -> str:
    char = match.group()
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None else char


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_ZWNJ_RUNS = re.compile(r"[ \t\u00a0\u200c]*\u200c[ \t\u00a0\u200c]*")


def normalize_digits(value: str) -> str:
    """Every decimal digit of any script (Persian, Arabic-Indic, full-width...) to ASCII."""
    if value.isascii():
        return value
    return _NON_ASCII_DIGIT.sub(_ascii_digit, value)


def normalize_text(value: str | None, *, digits: str | None = "ascii") -> str:
    """Normalise letters and digits ("ascii", "persian" or None to keep), fold spaces, trim.

    A ZWNJ next to a space is a typing slip and becomes the space alone; between letters it
    is kept.
    """
    if value is None:
        return ""
    value = str(value).translate(_LETTERS)
    if digits == "ascii":
        value = normalize_digits(value)
    elif digits == "persian":
        value = normalize_digits(value).translate(_TO_PERSIAN_DIGITS)
    value = _ZWNJ_RUNS.sub(lambda m: ZWNJ if m.group().strip(ZWNJ) == "" else " ", value)
    value = _SPACES.sub(" ", value)
    lines = [line.strip().strip(ZWNJ).strip() for line in value.splitlines()]
    return "\n".join(lines).strip()


def search_key(value: str | None) -> str:
    """A key that matches however a name was typed: normalised, no ZWNJ, no spaces."""
    return normalize_text(value).replace(ZWNJ, "").replace(" ", "").lower()


def to_persian_digits(value: object) -> str:
    return str(value).translate(_TO_PERSIAN_DIGITS)
