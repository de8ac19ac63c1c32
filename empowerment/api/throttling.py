"""Throttles per user, per IP, and stricter ones for sign-in and one-time codes.

Rates come from settings.API_THROTTLE_RATES (environment variables, see settings.py) and
are read on every request, so that tests and deployments can change them without a
restart of the import-time DRF settings.
"""

from django.conf import settings
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


class UserThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    """Per signed-in user, whichever IP they come from."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


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
