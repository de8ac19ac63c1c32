"""Tracking numbers: what a resident sent (an idea, a request to join, a booking) gets a
number to follow it with, shown on the confirmation page and in the SMS.

Ten digits, so a resident types it on any phone keyboard (Persian digits are read too): the
first names the kind of request, the other nine are random, so numbers cannot be walked to
list what others sent (and seeing a status needs the mobile's SMS code as well).
"""

from __future__ import annotations

import re
import secrets

from empowerment.kernel.persian import normalize_digits

# The first digit of each kind's numbers.
IDEA = "1"
REQUEST_TO_JOIN = "2"
BOOKING = "3"
KINDS = (IDEA, REQUEST_TO_JOIN, BOOKING)
LENGTH = 10


def tracking_number_new(kind: str, *, taken) -> str:
    """A fresh number of `kind`; `taken(number)` says whether a row already holds it (the
    column is unique too: this only keeps a collision, about one in a billion, from
    reaching the database)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown tracking kind {kind!r}")
    while True:
        number = kind + f"{secrets.randbelow(10 ** (LENGTH - 1)):0{LENGTH - 1}d}"
        if not taken(number):
            return number


def tracking_number_read(text: str | None) -> str | None:
    """The number a person typed (any digits, spaces or dashes between groups), or None
    when it cannot be one."""
    digits = re.sub(r"[\s\-‐–—_/.]", "", normalize_digits(str(text or "")))
    if re.fullmatch(rf"[{''.join(KINDS)}][0-9]{{{LENGTH - 1}}}", digits):
        return digits
    return None


def tracking_number_kind(number: str) -> str:
    return number[0]
