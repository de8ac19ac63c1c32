"""Text sealed at rest: a column whose value is encrypted before it reaches the database,
so that a dump or a backup does not reveal it (counselling notes).

The key comes from the environment (`COUNSELLING_NOTES_KEY`: one or more Fernet keys,
comma-separated, newest first, so a key can be rotated: MultiFernet encrypts with the
first and decrypts with any). In development and tests, when unset, a key is derived from
SECRET_KEY; the system check `empowerment.W_SEALED_KEY` warns when that happens with
DEBUG off.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.db import models

PREFIX = "fernet:"


def _derived_key() -> bytes:
    digest = hashlib.sha256(("counselling-notes:" + settings.SECRET_KEY).encode()).digest()
    return base64.urlsafe_b64encode(digest)


def configured_keys() -> list[str]:
    raw = getattr(settings, "COUNSELLING_NOTES_KEY", "") or ""
    return [key.strip() for key in raw.split(",") if key.strip()]


@cache
def _fernet(keys: tuple[str, ...], secret: str) -> MultiFernet:
    # `secret` is part of the cache key only: a test that changes SECRET_KEY gets a new one.
    if keys:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    return MultiFernet([Fernet(_derived_key())])


def fernet() -> MultiFernet:
    return _fernet(tuple(configured_keys()), settings.SECRET_KEY)


def seal(text: str) -> str:
    if not text:
        return ""
    return PREFIX + fernet().encrypt(text.encode()).decode()


def unseal(value: str) -> str:
    if not value:
        return ""
    if not value.startswith(PREFIX):
        raise ValueError("A sealed column holds a value that was not sealed.")
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise ValueError("Sealed text cannot be opened with the configured keys.") from error


class SealedTextField(models.TextField):
    """A text column stored sealed (see the module). Reads give the plain text; lookups on
    it are meaningless (each sealing differs) and nothing should filter by it."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return seal(value)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return unseal(value)


@checks.register(checks.Tags.security, deploy=False)
def check_sealed_key(app_configs=None, **kwargs):
    if configured_keys():
        try:
            fernet()
        except (ValueError, TypeError):
            return [
                checks.Error(
                    "COUNSELLING_NOTES_KEY holds a value that is not a Fernet key "
                    "(32 random bytes, URL-safe base64).",
                    id="empowerment.E_SEALED_KEY",
                )
            ]
        return []
    if settings.DEBUG:
        return []
    return [
        checks.Warning(
            "COUNSELLING_NOTES_KEY is not set: counselling notes are sealed with a key "
            "derived from SECRET_KEY. Set one or more Fernet keys (comma-separated).",
            id="empowerment.W_SEALED_KEY",
        )
    ]
