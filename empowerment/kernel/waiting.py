"""What waits for the person signed in to the admin: the counts its first page shows.

The admin site (kernel/admin_site.py) sits below the apps whose rows wait (comments,
ideas, requests to join, resolutions, duplicates, sessions), so each app registers what it
counts here, a hook rather than an import up the layers. A provider is given the request
and returns the items it counts for that person, in their scope (`visible_to`), and only
those they may act on; each item is one query, so the page's queries do not grow with the
data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class WaitingItem:
    key: str  # stable, for tests and the page's anchors
    label: str
    count: int
    url: str


Provider = Callable[[HttpRequest], list[WaitingItem]]

_providers: list[tuple[int, Provider]] = []


def register(*, order: int = 100) -> Callable[[Provider], Provider]:
    """A decorator registering a provider; lower `order` comes first."""

    def decorate(provider: Provider) -> Provider:
        if all(existing is not provider for _order, existing in _providers):
            _providers.append((order, provider))
            _providers.sort(key=lambda entry: entry[0])
        return provider

    return decorate


def waiting_for(request: HttpRequest) -> list[WaitingItem]:
    """Every item that waits for the person making the request, in the providers' order."""
    items: list[WaitingItem] = []
    for _order, provider in _providers:
        items += provider(request)
    return items
