"""Throttles per user, per IP, and stricter ones for sign-in and one-time codes.

Rates come from settings.API_THROTTLE_RATES (environment variables, see settings.py) and
are read on every request, so that tests and deployments can change them without a
restart of the import-time DRF settings.
"""

import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling

from empowerment.validators import normalize_mobile


class _SettingsRateMixin:
    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        # The rate is re-read per request (see the module docstring).
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


def _count_hits(keys_and_windows: list[tuple[str, int]]) -> list[int]:
    """Add one hit to each fixed-window counter and return the new counts.

    On Redis all counters move in ONE round trip (a pipeline of INCR and EXPIRE), which is
    what every API request pays: DRF's SimpleRateThrottle reads and rewrites a list of
    timestamps per throttle instead (two round trips each). Any other cache (the local-
    memory default) goes through Django's cache API.
    """
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


def _redis_client():
    backend = caches["default"]  # the backend itself, not the `cache` proxy
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True)


class UserAndIPThrottle(throttling.BaseThrottle):
    """The API's general limit: per signed-in user (whichever address they come from) and per
    client address (signed in or not), checked together in one cache round trip.

    Fixed windows: a client may burst at a window's edge to twice the rate for a moment,
    which is an accepted trade for the cost of the exact sliding window on every request.
    """

    scopes = ("user", "ip")

    def allow_request(self, request, view):
        rates = settings.API_THROTTLE_RATES
        now = time.time()
        checks = []
        for scope in self.scopes:
            rate = rates.get(scope)
            if rate is None:
                continue
            if scope == "user":
                if not request.user or not request.user.is_authenticated:
                    continue
                ident = request.user.pk
            else:
                ident = self.get_ident(request)
            limit, window = throttling.SimpleRateThrottle.parse_rate(None, rate)
            bucket = int(now // window)
            key = f"throttle:{scope}:{ident}:{bucket}"
            checks.append((key, window, limit))
        if not checks:
            return True
        counts = _count_hits([(key, window) for key, window, _ in checks])
        self._wait = 0.0
        for (_, window, limit), count in zip(checks, counts, strict=True):
            if count > limit:
                self._wait = max(self._wait, window - (now % window))
        return self._wait == 0.0

    def wait(self):
        return self._wait


class IPThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    """Per client IP, signed in or not (X-Forwarded-For per NUM_PROXIES in DRF settings)."""

    scope = "ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInThrottle(IPThrottle):
    scope = "sign_in"


class OTPRequestIPThrottle(IPThrottle):
    scope = "otp_request_ip"


class OTPVerifyThrottle(IPThrottle):
    scope = "otp_verify"


class OTPRequestMobileThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    """Per mobile number asked for, so that one number cannot be flooded with SMS from many
    addresses."""

    scope = "otp_request_mobile"

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        mobile = normalize_mobile(data.get("mobile"))
        if not mobile:
            return None
        return self.cache_format % {"scope": self.scope, "ident": mobile}
