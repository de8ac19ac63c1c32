"""A resident's request waiting for its SMS code, and the limits on codes asked from here.

A submission (an idea, an interest in a cohort) is kept in the reader's session until the
code sent to their mobile is confirmed; nothing is written to its table before that. The
session lives on the server (database sessions), so the reader cannot alter what waits;
the browser only holds the session cookie and the request's random token in the URL.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.conf import settings

from empowerment.kernel import ratelimit

SESSION_KEY = "public:pending"
DONE_KEY = "public:done"
TRACKED_KEY = "public:tracked"
TRACKED_MAX = 20
# A request not confirmed within this time is forgotten; a code lives far less (120 s).
PENDING_MAX_AGE = 30 * 60
# At most this many requests wait in one session; the oldest are forgotten first.
PENDING_MAX = 5


@dataclass
class Pending:
    token: str
    kind: str  # "idea" or "interest"
    target: int  # the call's or the cohort's id
    mobile: str
    data: dict
    created: float

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "target": self.target,
            "mobile": self.mobile,
            "data": self.data,
            "created": self.created,
        }


def _fresh(entries: dict) -> dict:
    now = time.time()
    return {t: e for t, e in entries.items() if now - e["created"] < PENDING_MAX_AGE}


def pending_put(session, *, kind: str, target: int, mobile: str, data: dict) -> Pending:
    entries = _fresh(session.get(SESSION_KEY, {}))
    while len(entries) >= PENDING_MAX:
        entries.pop(min(entries, key=lambda t: entries[t]["created"]))
    pending = Pending(
        token=secrets.token_urlsafe(16),
        kind=kind,
        target=target,
        mobile=mobile,
        data=data,
        created=time.time(),
    )
    entries[pending.token] = pending.as_dict()
    session[SESSION_KEY] = entries
    return pending


def pending_get(session, token: str) -> Pending | None:
    entry = _fresh(session.get(SESSION_KEY, {})).get(token)
    return Pending(token=token, **entry) if entry else None


def pending_finish(session, token: str, *, redirect_to: str) -> None:
    """Forget the request and remember where its confirmation led, so that the same code
    sent again (a double click, the back button) lands there instead of failing."""
    entries = session.get(SESSION_KEY, {})
    entries.pop(token, None)
    session[SESSION_KEY] = entries
    done = session.get(DONE_KEY, {})
    done[token] = redirect_to
    # Keep the last few only: this is for repeated clicks, not a history.
    session[DONE_KEY] = dict(list(done.items())[-PENDING_MAX:])


def pending_drop(session, token: str) -> None:
    entries = session.get(SESSION_KEY, {})
    if entries.pop(token, None) is not None:
        session[SESSION_KEY] = entries


def finished_redirect(session, token: str) -> str | None:
    return session.get(DONE_KEY, {}).get(token)


def tracking_grant(session, number: str) -> None:
    """This browser proved the mobile of what `number` tracks (it sent it, or typed the
    SMS code): it may see its status for the rest of the session."""
    granted = [n for n in session.get(TRACKED_KEY, []) if n != number]
    session[TRACKED_KEY] = [*granted, number][-TRACKED_MAX:]


def tracking_granted(session, number: str) -> bool:
    return number in session.get(TRACKED_KEY, [])


# --- Limits ------------------------------------------------------------------------------
# The API throttles its code endpoints (API_THROTTLE_RATES); these pages send the same SMS,
# so they obey the same rates: per address and per mobile for asking a code, per address
# for checking one. Counted in the cache in fixed windows.


def rate_take(scope: str, ident: str) -> bool:
    """Count one use of `scope` by `ident`; False once its window is used up."""
    rate = settings.API_THROTTLE_RATES.get(scope)
    if not rate:
        return True
    limit, window = ratelimit.parse_rate(rate)
    return ratelimit.take(f"public:{scope}:{ident}", limit=limit, window=window)


def code_request_allowed(*, ip_address: str | None, mobile: str) -> bool:
    ip_ok = rate_take("otp_request_ip", ip_address or "unknown")
    return rate_take("otp_request_mobile", mobile) and ip_ok


def code_check_allowed(*, ip_address: str | None) -> bool:
    return rate_take("otp_verify", ip_address or "unknown")
