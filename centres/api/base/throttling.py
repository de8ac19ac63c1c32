"""Throttles per user, per IP, and stricter ones for sign-in and one-time codes.

Rates come from settings.API_THROTTLE_RATES (environment variables, see settings.py) and
are read on every request, so that tests and deployments can change them without a
restart of the import-time DRF settings.
"""

import time

from django.conf import settings
from rest_framework import throttling

from empowerment.kernel import ratelimit
from empowerment.kernel.validators import normalize_mobile


class _ClientAddressMixin:
    """The client's address from the portal's one function (ratelimit.client_address), not
    DRF's get_ident, which without NUM_PROXIES takes X-Forwarded-For as sent by anyone."""

    def get_ident(self, request):
        return ratelimit.client_address(request) or "unknown"


class _SettingsRateMixin(_ClientAddressMixin):
    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        # The rate is re-read per request (see the module docstring).
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class UserAndIPThrottle(_ClientAddressMixin, throttling.BaseThrottle):
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
            limit, window = ratelimit.parse_rate(rate)
            key = ratelimit.window_key(f"api:{scope}:{ident}", window, now)
            checks.append((key, window, limit))
        if not checks:
            return True
        counts = ratelimit.count_hits([(key, window) for key, window, _ in checks])
        self._wait = 0.0
        for (_, window, limit), count in zip(checks, counts, strict=True):
            if count > limit:
                self._wait = max(self._wait, window - (now % window))
        return self._wait == 0.0

    def wait(self):
        return self._wait


class IPThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    """Per client address (ratelimit.client_address), signed in or not."""

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
