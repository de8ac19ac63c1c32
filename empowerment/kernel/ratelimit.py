"""Fixed-window counters in the cache: the one rate-limit mechanism of the portal.

The API's throttles, the public comment form and the public SMS-code pages all count here.
On Redis every counter of a request moves in one round trip (INCR and EXPIRE in a pipeline);
any other cache (the local-memory default) goes through Django's cache API, whose `add` and
`incr` are atomic too, so parallel requests cannot slip past a limit.

Fixed windows let a client burst to twice the rate for a moment at a window's edge: an
accepted trade for one cheap counter instead of a list of timestamps per request.
"""

import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "5/hour" -> (5, 3600); the period's first letter counts (s, m, h, d)."""
    number, period = rate.split("/")
    return int(number), _PERIODS[period.strip()[0]]


def count_hits(keys_and_windows: list[tuple[str, int]]) -> list[int]:
    """Add one hit to each counter (a key and its window in seconds); return the new counts."""
    client = _redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        for key, window in keys_and_windows:
            key = cache.make_and_validate_key(key)
            pipe.incr(key)
            # Expire once, when the window's counter is born; a later EXPIRE would push it.
            pipe.expire(key, window + 1, nx=True)
        replies = pipe.execute()
        return [int(count) for count in replies[0::2]]
    counts = []
    for key, window in keys_and_windows:
        if cache.add(key, 1, timeout=window + 1):
            counts.append(1)
            continue
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between add and incr: a fresh window
            cache.set(key, 1, timeout=window + 1)
            counts.append(1)
    return counts


def window_key(name: str, window: int, now: float | None = None) -> str:
    """The counter of `name` for the current window (the window's number is in the key)."""
    return f"rate:{name}:{int((now or time.time()) // window)}"


def take(name: str, *, limit: int, window: int) -> bool:
    """Count one use of `name`; False once `limit` uses were counted in this window."""
    return count_hits([(window_key(name, window), window)])[0] <= limit


def _redis_client():
    backend = caches["default"]  # the backend itself, not the `cache` proxy
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True)


def client_address(request) -> str | None:
    """The client's address: the one function that reads it, for the API throttles, django-axes
    (AXES_CLIENT_IP_CALLABLE), the comment limit and the SMS-code limits.

    With no trusted proxy (DJANGO_NUM_PROXIES=0, the default) it is REMOTE_ADDR and forwarded
    headers are ignored: anyone can write X-Forwarded-For, and trusting it let a client rotate
    it to escape every per-address limit. Behind N proxies that each append the address they
    saw, the client is the N-th entry from the right; entries further left are the client's
    own words. A header with fewer entries than proxies did not come through them all: fall
    back to REMOTE_ADDR rather than believe it.
    """
    proxies = settings.NUM_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
