"""A person's consent to share their registry details with a centre that enrols them.

A centre that enrols someone registered at another centre reads only their name and its
own records (`TraineeQuerySet.with_details_shared`). The person can agree to more: staff
ask for a code, which goes by SMS to the mobile the *registering* centre holds (never a
number typed here), and the person tells the code to the staff, who type it in. The code
is kept only as a keyed hash, expires, and dies after OTP_MAX_ATTEMPTS wrong tries, like a
sign-in code; the SMS goes through the outbox (`message_queue`) and its text is dropped
once sent.
"""

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from centres.models import Centre
from empowerment.kernel import errors
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.outbox import message_queue

from ..models import Trainee, TraineeSharingConsent

# Long enough for the person to read the SMS out at the desk; short enough to be useless
# later. A new code may be asked for once a minute.
SHARING_CODE_TTL = datetime.timedelta(minutes=10)
SHARING_CODE_INTERVAL = datetime.timedelta(minutes=1)


class SharingRefused(errors.DomainError):
    """A sharing request or confirmation that cannot go ahead; `code` says why."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code)


def _code_hash(*, consent_id: int, code: str) -> str:
    # Its own salt: a sharing code is no sign-in code, and the reverse.
    return salted_hmac("trainees.sharing", f"{consent_id}:{code}").hexdigest()


def _check_reach(*, trainee: Trainee, centre: Centre, by) -> None:
    if by is not None:
        if not Centre.objects.visible_to(by).filter(pk=centre.pk).exists():
            raise SharingRefused(_("This centre is not in your scope."), code="out_of_scope")
        if not Trainee.objects.visible_to(by).filter(pk=trainee.pk).exists():
            raise SharingRefused(_("This trainee is not in your scope."), code="out_of_scope")
    if trainee.registered_at_id == centre.pk:
        raise SharingRefused(
            _("This trainee is registered at this centre; there is nothing to share."),
            code="registered_here",
        )


@transaction.atomic
def trainee_sharing_request(*, trainee: Trainee, centre: Centre, by) -> TraineeSharingConsent:
    """Send the person a code by SMS, to the mobile their registering centre holds."""
    _check_reach(trainee=trainee, centre=centre, by=by)
    mobile = Trainee.objects.filter(pk=trainee.pk).values_list("mobile", flat=True).get()
    if not mobile:
        raise SharingRefused(
            _("The registering centre holds no mobile for this person; ask that centre."),
            code="no_mobile",
        )
    consent, _created = TraineeSharingConsent.objects.select_for_update().get_or_create(
        trainee=trainee, centre=centre, defaults={"requested_by": by}
    )
    if consent.confirmed_at is not None:
        raise SharingRefused(_("This person has already agreed to share."), code="confirmed")
    now = timezone.now()
    if consent.code_sent_at and now - consent.code_sent_at < SHARING_CODE_INTERVAL:
        raise SharingRefused(
            _("A code was sent less than a minute ago. Wait for it, then try again."),
            code="too_soon",
        )
    code = "".join(secrets.choice("0123456789") for _ in range(settings.OTP_LENGTH))
    consent.requested_by = by
    consent.code_hash = _code_hash(consent_id=consent.pk, code=code)
    consent.code_sent_at = now
    consent.code_expires_at = now + SHARING_CODE_TTL
    consent.attempts = 0
    consent.save()
    message_queue(
        key=f"sharing:{consent.pk}:{now.timestamp()}",
        recipient=mobile,
        channel=OutboxMessage.Channel.SMS,
        text=_(
            "%(centre)s asks to see the details you registered at %(home)s. If you agree, "
            "give them this code: %(code)s"
        )
        % {"centre": centre.name, "home": trainee.registered_at.name, "code": code},
        sensitive=True,
    )
    return consent


def trainee_sharing_confirm(
    *, trainee: Trainee, centre: Centre, code: str, by
) -> TraineeSharingConsent:
    """Record the consent when `code` is the one sent. A wrong code is counted even though
    an error is raised (committed in its own transaction first), as for sign-in codes."""
    _check_reach(trainee=trainee, centre=centre, by=by)
    code = "".join(ch for ch in str(code) if not ch.isspace())
    code = code.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))
    error = None
    with transaction.atomic():
        # Locked so that two guesses at once are both counted.
        consent = (
            TraineeSharingConsent.objects.select_for_update()
            .filter(trainee=trainee, centre=centre)
            .first()
        )
        if consent is not None and consent.confirmed_at is not None:
            return consent
        if consent is None or not consent.code_hash or consent.code_expires_at <= timezone.now():
            error = (_("The code has expired or was not requested. Ask for a new code."), "expired")
        elif consent.attempts >= settings.OTP_MAX_ATTEMPTS:
            error = (_("Too many wrong codes. Ask for a new code."), "locked")
        elif not constant_time_compare(
            consent.code_hash, _code_hash(consent_id=consent.pk, code=code)
        ):
            consent.attempts += 1
            consent.save(update_fields=["attempts", "updated_at"])
            error = (_("The code is not correct."), "wrong_code")
        else:
            consent.confirmed_at = timezone.now()
            consent.confirmed_by = by
            consent.code_hash = ""
            consent.save(update_fields=["confirmed_at", "confirmed_by", "code_hash", "updated_at"])
    if error:
        raise SharingRefused(error[0], code=error[1])
    return consent
