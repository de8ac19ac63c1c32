"""Validators for Iranian identifiers, shared by every app. Messages name the field.

Values are normalised first (every script's digits to ASCII, empowerment/kernel/persian.py); the
patterns then accept ASCII digits only (`[0-9]`, not `\\d`, which matches any script's).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from empowerment.kernel.persian import normalize_digits


def normalize_national_code(value: str | None) -> str:
    return re.sub(r"[\s\-]", "", normalize_digits(str(value or "")))


def validate_national_code(value: str) -> None:
    """کد ملی: ten digits, not all the same, with a valid check digit."""
    code = normalize_national_code(value)
    if not re.fullmatch(r"[0-9]{10}", code):
        raise ValidationError(
            _("National code must be exactly 10 digits."), code="national_code_length"
        )
    if len(set(code)) == 1:
        raise ValidationError(
            _("National code cannot be one digit repeated."), code="national_code_repeated"
        )
    check = int(code[9])
    total = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    expected = total if total < 2 else 11 - total
    if check != expected:
        raise ValidationError(
            _("National code is not valid: its check digit does not match."),
            code="national_code_checksum",
        )


def normalize_foreign_code(value: str | None) -> str:
    return re.sub(r"[\s\-]", "", normalize_digits(str(value or "")))


def validate_foreign_code(value: str) -> None:
    """کد یکتای اتباع (the foreign nationals' identification code, printed on the FIDA card
    and the census slip): twelve digits. No public check digit is known, so only the shape
    is checked; a code of one digit repeated is refused as a placeholder."""
    code = normalize_foreign_code(value)
    if not re.fullmatch(r"[0-9]{12}", code):
        raise ValidationError(
            _("The foreign national's code must be exactly 12 digits."),
            code="foreign_code_length",
        )
    if len(set(code)) == 1:
        raise ValidationError(
            _("The foreign national's code cannot be one digit repeated."),
            code="foreign_code_repeated",
        )


def normalize_passport(value: str | None) -> str:
    """A passport number as stored: ASCII digits, upper-case Latin letters, no spaces."""
    text = re.sub(r"[\s\-]", "", normalize_digits(str(value or "")))
    return text.upper()


def validate_passport(value: str) -> None:
    """A passport number: 6 to 12 Latin letters and digits (Afghan, Iraqi and Pakistani
    passports are a letter or two then digits), with at least one digit."""
    number = normalize_passport(value)
    if not re.fullmatch(r"[A-Z0-9]{6,12}", number) or not re.search(r"[0-9]", number):
        raise ValidationError(
            _("A passport number is 6 to 12 Latin letters and digits."),
            code="passport_invalid",
        )


def normalize_mobile(value: str | None) -> str:
    """+98 912…, 0098912…, 98912…, 912… and Persian digits all become 09xxxxxxxxx."""
    digits = re.sub(r"[\s\-()]", "", normalize_digits(str(value or "")))
    if digits.startswith("+98"):
        digits = "0" + digits[3:]
    elif digits.startswith("0098"):
        digits = "0" + digits[4:]
    elif digits.startswith("98") and len(digits) == 12:
        digits = "0" + digits[2:]
    elif digits.startswith("9") and len(digits) == 10:
        digits = "0" + digits
    return digits


def validate_mobile(value: str) -> None:
    if not re.fullmatch(r"09[0-9]{9}", normalize_mobile(value)):
        raise ValidationError(
            _("Mobile number must be an Iranian mobile number such as 09121234567."),
            code="mobile_invalid",
        )


def validate_phone(value: str) -> None:
    digits = re.sub(r"[\s\-()]", "", normalize_digits(value or ""))
    if value and not re.fullmatch(r"\+?[0-9]{4,15}", digits):
        raise ValidationError(_("Enter a phone number of digits only."), code="phone_invalid")
