"""Reads on a streaming replica, writes and fresh reads on the primary (issue 18).

With `DATABASE_REPLICA_URL` set, settings.py adds the database alias `replica` and installs
`PrimaryReplicaRouter`. Where a query goes is decided per request, in one context variable
that `ReplicaRoutingMiddleware` opens around the request:

- Nothing opened it (a Celery task, a management command, a shell, a streaming response's
  body after the view returned): every query goes to the primary. The replica is a thing a
  request asks for, never a default.
- A GET or HEAD request outside the admin (dashboards, public pages, API reads) reads from
  the replica, until the request writes anything: from then on its reads go to the primary,
  which has what it just wrote. A read inside a transaction on the primary goes there too
  (a service that reads, then writes what it read, reads what it will write over). A POST,
  PUT, PATCH or DELETE reads from the primary throughout.
- A person who wrote is kept on the primary for DATABASE_REPLICA_PIN_SECONDS after it (the
  replica replays the write a moment later): a cookie carries the moment for browsers
  (residents without an account too), and the cache, keyed by the user, for API clients that
  keep no cookies (JWT). A forged cookie only sends its holder to the primary.
- The models of DATABASE_REPLICA_PRIMARY_MODELS (sessions, users and permissions, sign-in
  locks, second-factor devices, revoked tokens, access records) are always read on the
  primary: a signed-out session, a revoked token or a removed right must take effect at
  once. Their writes (a session's activity stamp, an access record) pin no one, since no one
  reads them on the replica.

The state is a contextvars.ContextVar: each gthread worker thread (and each asyncio task)
sees its own request's state.
"""

import contextvars
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "primary_pin"
SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class _RequestState:
    """What one request may read from the replica, and whether it has written."""

    request: object
    replica_allowed: bool
    wrote: bool = False
    # None: not yet known (the user of an API token is known only once DRF authenticated).
    pinned: bool | None = None
    checking: bool = field(default=False, repr=False)


_state: contextvars.ContextVar[_RequestState | None] = contextvars.ContextVar(
    "replica_routing", default=None
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _primary_model(model) -> bool:
    if model is None:
        return True
    names = settings.DATABASE_REPLICA_PRIMARY_MODELS
    meta = model._meta
    return meta.app_label in names or meta.label_lower in names


def pin_cache_key(user_id) -> str:
    return f"replica:pin:{user_id}"


def _pinned_by_cookie(request) -> bool:
    try:
        until = float(request.COOKIES.get(PIN_COOKIE, ""))
    except ValueError:
        return False
    now = time.time()
    return now < until <= now + settings.DATABASE_REPLICA_PIN_SECONDS


def _user_of(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _pinned(state: _RequestState) -> bool:
    """Whether the person of this request wrote within the pin period. The cookie is read at
    once; the cache, by user, when a read first needs it, once the user is known."""
    if state.pinned is not None:
        return state.pinned
    if state.checking:  # the user's own rows, read while answering: primary models anyway
        return True
    state.checking = True
    try:
        user = _user_of(state.request)
    finally:
        state.checking = False
    if user is None:
        return False  # perhaps not authenticated yet (a token): asked again at the next read
    until = cache.get(pin_cache_key(user.pk))
    state.pinned = until is not None and until > time.time()
    return state.pinned


def read_alias(model=None) -> str:
    """The alias a read of `model` goes to now."""
    state = _state.get()
    if (
        state is None
        or not state.replica_allowed
        or state.wrote
        or _primary_model(model)
        or connections[PRIMARY].in_atomic_block
        or _pinned(state)
    ):
        return PRIMARY
    return REPLICA


def note_write(model=None) -> None:
    """A write of `model` in the current request: its later reads, and the person's reads
    for the pin period, go to the primary (writes of the primary models excepted)."""
    state = _state.get()
    if state is not None and not _primary_model(model):
        state.wrote = True


class PrimaryReplicaRouter:
    """settings.DATABASE_ROUTERS when a replica is configured."""

    def db_for_read(self, model, **hints):
        return read_alias(model)

    def db_for_write(self, model, **hints):
        note_write(model)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: a row read on either may point at the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def replica_allowed_for(request) -> bool:
    if request.method not in SAFE_METHODS:
        return False
    path = request.path_info
    if any(path.startswith(prefix) for prefix in settings.DATABASE_REPLICA_PRIMARY_PATHS):
        return False
    return not _pinned_by_cookie(request)


class ReplicaRoutingMiddleware:
    """Opens the routing state of one request (near the top of MIDDLEWARE, so that the
    session and authentication middleware run inside it) and, after a request that wrote,
    pins its person to the primary for DATABASE_REPLICA_PIN_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        state = _RequestState(request=request, replica_allowed=replica_allowed_for(request))
        token = _state.set(state)
        try:
            response = self.get_response(request)
            if state.wrote:
                self._pin(request, response)
        finally:
            _state.reset(token)
        return response

    @staticmethod
    def _pin(request, response) -> None:
        seconds = settings.DATABASE_REPLICA_PIN_SECONDS
        until = time.time() + seconds
        response.set_cookie(
            PIN_COOKIE,
            f"{until:.3f}",
            max_age=seconds,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        user = _user_of(request)
        if user is not None:
            cache.set(pin_cache_key(user.pk), until, seconds)
