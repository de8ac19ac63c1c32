"""Masking: the one place that decides who sees which personal numbers masked, and what
that means for finding, ordering and filtering people by them.

Council members and viewers read figures, not people: national codes and mobiles come out
masked ("0912*****67"). Reviewers judge ideas, not their authors: a submitter's mobile comes
out masked. The decision is per person, not per row, so someone who holds one of those roles
beside a staff role is masked everywhere: the safe side.

A value a person sees masked must not be recoverable another way. A search that matched it
by prefix or substring gives it away a digit at a time, and so does ordering or filtering
by it; so for such a person a masked field is searched only by the WHOLE value (exact,
after normalisation), and never ordered or filtered by. The admin (centres/admin_base.py)
and the API (centres/api/base/filters.py, the serializers) ask this module; nothing else
decides it.
"""

from __future__ import annotations

import re

from empowerment.kernel.roles import roles_of
from empowerment.kernel.validators import (
    normalize_foreign_code,
    normalize_mobile,
    normalize_national_code,
    normalize_passport,
)

NATIONAL_CODE = "national_code"
# The identifiers of residents without an Iranian national code: masked wherever a
# national code is (they identify a person just as well).
FOREIGN_CODE = "foreign_code"
PASSPORT = "passport"
MOBILE = "mobile"
IDENTITY_KINDS = frozenset({NATIONAL_CODE, FOREIGN_CODE, PASSPORT})

# Which kinds of number each role sees masked.
MASKED_BY_ROLE: dict[str, frozenset[str]] = {
    "council_member": IDENTITY_KINDS | {MOBILE},
    "viewer": IDENTITY_KINDS | {MOBILE},
    "reviewer": frozenset({MOBILE}),
}

# Model fields (the last name of a lookup path) holding a masked kind of number. A new
# field of personal numbers is added here, to the access record and to the scope table.
MASKED_FIELDS: dict[str, str] = {
    "national_code": NATIONAL_CODE,
    "foreign_code": FOREIGN_CODE,
    "passport_number": PASSPORT,
    "mobile": MOBILE,
    "submitter_mobile": MOBILE,
}

# How much of each kind stays readable.
KEEP = {NATIONAL_CODE: (0, 2), FOREIGN_CODE: (0, 2), PASSPORT: (0, 2), MOBILE: (4, 2)}

_EXACT = {
    NATIONAL_CODE: re.compile(r"[0-9]{10}"),
    FOREIGN_CODE: re.compile(r"[0-9]{12}"),
    PASSPORT: re.compile(r"[A-Z0-9]{6,12}"),
    MOBILE: re.compile(r"09[0-9]{9}"),
}
_NORMALISE = {
    NATIONAL_CODE: normalize_national_code,
    FOREIGN_CODE: normalize_foreign_code,
    PASSPORT: normalize_passport,
    MOBILE: normalize_mobile,
}


def masked_kinds(user) -> frozenset[str]:
    """The kinds of number this person sees masked (empty for staff and administrators)."""
    scope = roles_of(user)  # cached on the user by its reader
    kinds: frozenset[str] = frozenset()
    if not scope.is_global:
        for role in scope.roles:
            kinds |= MASKED_BY_ROLE.get(role, frozenset())
    return kinds


def kind_of(lookup: str) -> str | None:
    """The masked kind a field or lookup path reaches ("trainee__mobile__contains": mobile);
    admin search prefixes (=, ^, @) and ordering signs are ignored."""
    path = lookup.lstrip("=^@-+")
    for part in path.split("__"):
        if part in MASKED_FIELDS:
            return MASKED_FIELDS[part]
    return None


def hides(user, lookup: str) -> bool:
    """Whether this person may not search (except exactly), order or filter by `lookup`."""
    kind = kind_of(lookup)
    return kind is not None and kind in masked_kinds(user)


def exact_value(kind: str, term: str) -> str | None:
    """The whole normalised value a search term stands for, or None if it is not one."""
    value = _NORMALISE[kind](term)
    return value if _EXACT[kind].fullmatch(value) else None


def mask(value: str, *, keep_start: int = 0, keep_end: int = 2) -> str:
    """The masker: the middle of a number as stars."""
    hidden = max(len(value) - keep_start - keep_end, 0)
    if hidden == 0:
        return "*" * len(value)
    return value[:keep_start] + "*" * hidden + (value[-keep_end:] if keep_end else "")


def mask_kind(kind: str, value: str | None) -> str | None:
    if not value:
        return value
    keep_start, keep_end = KEEP[kind]
    return mask(value, keep_start=keep_start, keep_end=keep_end)


def own_mobile_hint(mobile: str) -> str:
    """A resident's own mobile as the page that sent it a code shows it ("0912***4567"):
    enough for them to recognise, not enough to read off over a shoulder."""
    return mask(mobile, keep_start=4, keep_end=4)


def shown(user, kind: str, value: str | None) -> str | None:
    """The value as this person may see it."""
    return mask_kind(kind, value) if kind in masked_kinds(user) else value


# Personal details beyond what a reader of figures needs: a relative's name, the exact
# birth date (an age band instead). Council members and viewers get none of them, in the API
# (the serializers' field choice) and in the admin (ScopedAdmin).
DETAIL_HIDDEN_ROLES = frozenset({"council_member", "viewer"})
PERSONAL_DETAIL_FIELDS = ("father_name", "birth_date")

AGE_BANDS = (
    (18, "u18"),
    (25, "18-24"),
    (35, "25-34"),
    (45, "35-44"),
    (55, "45-54"),
)


def sees_personal_details(user) -> bool:
    scope = roles_of(user)
    return scope.is_global or not scope.roles.intersection(DETAIL_HIDDEN_ROLES)


def age_band(age: int | None) -> str:
    """The dashboards' age bands ("" when the birth date is not known)."""
    if age is None:
        return ""
    for below, band in AGE_BANDS:
        if age < below:
            return band
    return "55+"


def hides_detail(user, lookup: str) -> bool:
    """Whether `lookup` reaches a personal detail this person gets none of."""
    path = lookup.lstrip("=^@-+").split("__")
    return bool(set(path) & set(PERSONAL_DETAIL_FIELDS)) and not sees_personal_details(user)
