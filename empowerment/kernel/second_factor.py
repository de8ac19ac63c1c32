"""The second factor (TOTP, django-otp) of those who see the most (issue 12).

Administrators, centre managers and headquarters secretaries (ADMIN_SECOND_FACTOR_ROLES)
sign in to the admin and to the API with a time-based code from an authenticator app after
their password; anyone else who enrolled a device is asked for it too. One rule, used by the
admin site (empowerment/kernel/admin_site.py) and the API's token endpoint.
"""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from empowerment.kernel.persian import normalize_digits
from empowerment.kernel.roles import roles_of

DEVICE_NAME = "authenticator"


def required_for(user) -> bool:
    """Whether `user`'s role obliges them to a second factor (ADMIN_SECOND_FACTOR off: never)."""
    if not settings.ADMIN_SECOND_FACTOR or not user.is_authenticated:
        return False
    return roles_of(user).has_role(*settings.ADMIN_SECOND_FACTOR_ROLES)


def device_for(user) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def applies_to(user) -> bool:
    """Whether `user` must give a code: by role, or because they turned it on."""
    return settings.ADMIN_SECOND_FACTOR and (required_for(user) or device_for(user) is not None)


def verify(device: TOTPDevice, token: str | None, *, request=None) -> bool:
    """Check `token` against `device`. django-otp refuses a code already used (last_t) and
    slows down repeated failures (throttling); a failure also counts for django-axes, so
    guessing codes after a stolen password meets the same lock as guessing passwords."""
    token = normalize_digits(token or "").strip()
    # The row is locked so that two requests with the same code cannot both pass last_t.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = token.isdigit() and device.verify_token(token)
    if not ok and request is not None:
        user_login_failed.send(
            sender=__name__,
            credentials={"username": device.user.get_username()},
            request=request,
        )
    return ok


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device an enrolment shows (created once, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL of the device as an inline SVG QR code."""

    out = io.BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def current_code(device: TOTPDevice) -> str:
    """The code the device's app shows now (the demo's `totp_code` command)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@transaction.atomic
def device_set(*, user, secret: str) -> TOTPDevice:
    """Give `user` a confirmed authenticator with a known base32 secret (the demo seed)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True)
