"""A person's roles, as the kernel needs them (masking, the second factor).

The kernel imports no app, and roles and scope belong to `centres`; so `centres` registers
its reader when it loads (`centres/apps.py`), a hook rather than an import up the layers.
Asked before any reader is registered, this refuses rather than guess: an unknown role must
never read as "nothing is masked".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class Roles(Protocol):
    is_global: bool
    roles: frozenset[str]

    def has_role(self, *roles: str) -> bool: ...


_reader: Callable[[object], Roles] | None = None


def register(reader: Callable[[object], Roles]) -> None:
    global _reader
    _reader = reader


def roles_of(user) -> Roles:
    if _reader is None:
        raise ImproperlyConfigured("No roles reader is registered (is `centres` installed?).")
    return _reader(user)
