"""Access records and retention: the one way either is written.

`access_record` is called by the admin's base class (centres/admin_base.py), the API's base
viewsets (centres/api/base/views.py) and any page that exports personal data; `retention_sweep`
by the daily beat task (tasks.py).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import urlencode

from empowerment.kernel.masking import mask
from empowerment.kernel.models import AccessRecord, OneTimeCode, OutboxMessage
from empowerment.kernel.persian import normalize_digits
from empowerment.kernel.ratelimit import client_address

# A run of four or more digits may be (part of) a national code or a mobile: only its last
# two digits stay readable, as the masked API fields show them.
_DIGIT_RUN = re.compile(r"\d{4,}")
# Query parameters that say where in a list one is, not what was looked for.
_NOT_FILTERS = frozenset({"page", "page_size", "cursor", "p", "o", "all", "_popup", "_to_field"})


def mask_digits(text: str) -> str:
    """`text` with every long run of digits (any script) hidden but its last two digits."""
    return _DIGIT_RUN.sub(
        lambda match: mask(match.group(), keep_start=0, keep_end=2),
        normalize_digits(text),
    )


def term_hash(term: str) -> str:
    """A keyed hash of a search term (digits in ASCII, a code's spaces and dashes dropped):
    the same national code typed any way hashes the same; without the secret key it cannot
    be reversed by trying the billion national codes."""
    key = normalize_digits(term).strip().lower()
    if re.fullmatch(r"[\d\s\-+]+", key):
        key = re.sub(r"[\s\-+]", "", key)
    if not key:
        return ""
    return salted_hmac("empowerment.kernel.privacy.term", key, algorithm="sha256").hexdigest()


def masked_filters(params: Mapping | None, *, skip: tuple[str, ...] = ()) -> str:
    """The query's filters as a query string, digits masked, positions in the list left out."""
    if not params:
        return ""
    pairs = []
    for name in sorted(params):
        if name in _NOT_FILTERS or name in skip:
            continue
        values = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        pairs += [(name, mask_digits(str(value))) for value in values]
    return urlencode(pairs)[:500]


def _model_label(model) -> str:
    return model if isinstance(model, str) else model._meta.label_lower


@transaction.atomic
def access_record(
    *,
    user,
    action: str,
    channel: str,
    model,
    object_id: object = "",
    count: int | None = None,
    term: str = "",
    filters: str = "",
    ip_address: str | None = None,
) -> AccessRecord:
    """Record one read of personal data: `model` (a class or "app.model"), one row
    (`object_id`) or a list (blank), the search term (stored masked, with its keyed hash),
    the list's other filters (already masked: `masked_filters`) and the client address."""
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return AccessRecord.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        channel=channel,
        model=_model_label(model),
        object_id=str(object_id or "")[:64],
        count=count,
        term=mask_digits(term)[:200],
        term_hash=term_hash(term),
        filters=filters[:500],
        ip_address=ip_address or None,
    )


def access_record_for_request(request, **fields) -> AccessRecord:
    """`access_record` for the person making `request`, from the address they came from
    (the project's one client-address function, which knows the trusted proxies)."""
    return access_record(user=request.user, ip_address=client_address(request), **fields)


def _days_ago(now: datetime.datetime, days: int) -> datetime.datetime:
    return now - datetime.timedelta(days=days)


@transaction.atomic
def retention_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete what is kept no longer than its retention period; return how much went.

    - access records older than ACCESS_RECORD_RETENTION_DAYS: deleted;
    - one-time codes older than OTP_RETENTION_DAYS: deleted (the per-mobile limit counts
      codes of the last OTP_MOBILE_WINDOW_SECONDS only, far shorter);
    - SMS sent more than SMS_BODY_RETENTION_DAYS ago: the text blanked. The row stays, as
      the record that a message went to that number; its state history never held the text.

    Each is one statement, so a second run (or two at once) finds nothing more to do.
    """
    now = now or timezone.now()
    access_records, _ = AccessRecord.objects.filter(
        at__lt=_days_ago(now, settings.ACCESS_RECORD_RETENTION_DAYS)
    ).delete()
    codes, _ = OneTimeCode.objects.filter(
        created_at__lt=_days_ago(now, settings.OTP_RETENTION_DAYS)
    ).delete()
    sms_before = _days_ago(now, settings.SMS_BODY_RETENTION_DAYS)
    sms_bodies = (
        OutboxMessage.objects.filter(
            Q(sent_at__lt=sms_before) | Q(sent_at=None, created_at__lt=sms_before),
            channel=OutboxMessage.Channel.SMS,
            state=OutboxMessage.State.SENT,
        )
        .exclude(text="")
        .update(text="")
    )
    return {"access_records": access_records, "one_time_codes": codes, "sms_bodies": sms_bodies}


def holds_personal_data(model) -> bool:
    """Whether rows of `model` are personal data, as its queryset class declares."""
    queryset_class = getattr(model._default_manager, "_queryset_class", None)
    return bool(getattr(queryset_class, "holds_personal_data", False))
