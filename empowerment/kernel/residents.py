"""Residents' sign-in by one-time code, and the resident's user."""

from __future__ import annotations

import datetime
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from empowerment.kernel.models import OneTimeCode, OutboxMessage
from empowerment.kernel.outbox import message_queue
from empowerment.kernel.signals import resident_signed_in
from empowerment.kernel.validators import normalize_mobile, validate_mobile

logger = logging.getLogger(__name__)

RESIDENT_GROUP = "residents"


def _code_hash(*, mobile: str, code: str) -> str:
    return salted_hmac("empowerment.otp", f"{mobile}:{code}").hexdigest()


class OTPRequestLimited(Exception):
    """Too many codes were sent to one mobile lately; `wait` is seconds until the next."""

    def __init__(self, wait: int):
        super().__init__(_("Too many codes were sent to this number. Please try again later."))
        self.wait = wait


@transaction.atomic
def otp_request(*, mobile: str) -> OneTimeCode:
    """Issue a one-time code for `mobile` and queue its SMS. Earlier unused codes die.

    Every SMS costs money and can be used to pester a number, so the cap per mobile lives
    here, counted from the codes themselves, and holds for the API and the public pages
    alike (each entry point adds its own per-address limit on top).
    """
    mobile = normalize_mobile(mobile)
    try:
        validate_mobile(mobile)
    except ValidationError as exc:
        raise ValidationError({"mobile": exc.error_list}) from exc
    _refuse_staff_account(mobile)
    now = timezone.now()
    window_start = now - datetime.timedelta(seconds=settings.OTP_MOBILE_WINDOW_SECONDS)
    recent = list(
        OneTimeCode.objects.filter(mobile=mobile, created_at__gt=window_start)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: settings.OTP_MAX_PER_MOBILE]
    )
    if len(recent) >= settings.OTP_MAX_PER_MOBILE:
        oldest = recent[-1]
        wait = (oldest - window_start).total_seconds()
        raise OTPRequestLimited(wait=max(1, int(wait)))
    OneTimeCode.objects.filter(mobile=mobile, used_at=None, expires_at__gt=now).update(
        expires_at=now
    )
    code = "".join(secrets.choice("0123456789") for _ in range(settings.OTP_LENGTH))
    otp = OneTimeCode.objects.create(
        mobile=mobile,
        code_hash=_code_hash(mobile=mobile, code=code),
        created_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.OTP_TTL_SECONDS),
    )
    message_queue(
        key=f"otp:{otp.pk}",
        recipient=mobile,
        channel=OutboxMessage.Channel.SMS,
        text=_("Your sign-in code for the empowerment portal: %(code)s") % {"code": code},
        sensitive=True,
    )
    return otp


def otp_verify(*, mobile: str, code: str):
    """Check a code and return the resident's user. Raises ValidationError with a message
    on the `code` field when it is wrong, expired, used or locked after too many tries.

    A wrong code is counted even though an error is raised: the count is committed in its
    own transaction before the error leaves this function.
    """
    mobile = normalize_mobile(mobile)
    code = normalize_mobile(code)  # Persian digits and stray spaces from a phone keyboard
    error = code_of_error = None
    with transaction.atomic():
        # Lock the newest code so that two guesses at once cannot both be counted as one.
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(mobile=mobile, used_at=None)
            .order_by("-created_at")
            .first()
        )
        if otp is None or otp.is_expired:
            error = _("The code has expired or was not requested. Ask for a new code.")
            code_of_error = "code_expired"
        elif otp.attempts >= settings.OTP_MAX_ATTEMPTS:
            error, code_of_error = _("Too many wrong codes. Ask for a new code."), "code_locked"
        elif not constant_time_compare(otp.code_hash, _code_hash(mobile=mobile, code=code)):
            otp.attempts += 1
            otp.save(update_fields=["attempts"])
            if otp.attempts >= settings.OTP_MAX_ATTEMPTS:
                error, code_of_error = _("Too many wrong codes. Ask for a new code."), "code_locked"
            else:
                error, code_of_error = _("The code is not correct."), "code_wrong"
        else:
            otp.used_at = timezone.now()
            otp.save(update_fields=["used_at"])
            user = resident_user_for_mobile(mobile=mobile)
    if error:
        raise ValidationError({"code": ValidationError(error, code=code_of_error)})
    return user


def _refuse_staff_account(mobile: str) -> None:
    existing = get_user_model().objects.filter(username=mobile).first()
    if existing is not None and (
        existing.is_staff or existing.is_superuser or existing.has_usable_password()
    ):
        # A staff account named after a mobile must not be opened by an SMS code.
        raise ValidationError(
            {
                "mobile": ValidationError(
                    _("This number belongs to a staff account; sign in with its password."),
                    code="staff_number",
                )
            }
        )


@transaction.atomic
def resident_user_for_mobile(*, mobile: str):
    """The Django user of the resident with this mobile, created on first sign-in.

    Username is the normalised mobile, the password is unusable (residents sign in by code
    only) and the user has no staff role, so their scope is their own records alone. The
    `resident_signed_in` signal lets the trainee registry link the user to its Trainee.
    """
    mobile = normalize_mobile(mobile)
    validate_mobile(mobile)
    _refuse_staff_account(mobile)
    User = get_user_model()
    user, created = User.objects.get_or_create(username=mobile)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        group, _created = Group.objects.get_or_create(name=RESIDENT_GROUP)
        user.groups.add(group)
    resident_signed_in.send(sender=resident_user_for_mobile, user=user, mobile=mobile)
    return user


def user_is_resident(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.groups.filter(name=RESIDENT_GROUP).exists()
    )
