"""A growing delay per username after failed sign-ins, from every address.

django-axes locks a username (and an address) for a fixed cool-off once it reaches its
failure limit. This adds the slope before and after that wall: from the
SIGNIN_DELAY_FREE_FAILURES-th failure on, the next attempt for the same username (from any
address, with any password) must wait 1 s, then 2 s, 4 s, ... doubling with each failure up to
SIGNIN_DELAY_MAX_SECONDS. Rotating addresses does not help a guesser, since the count is the
username's; yet a stranger can keep the owner out for at most the cap, since the wait is
counted from the last failure and attempts refused while waiting do not extend it. The count
is forgotten SIGNIN_DELAY_MEMORY_SECONDS after the last failure, at a successful sign-in, or
when an administrator unlocks the username in axes' admin.

Every sign-in path calls django.contrib.auth.authenticate() (the admin's and the dashboards'
forms, the API's token endpoint), so the rule sits in an authentication backend placed before
ModelBackend: it refuses (PermissionDenied) a username that must still wait, before any
password is checked, and lets the others through to the next backend.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models.signals import post_delete
from django.dispatch import receiver


def _keys(username: str) -> tuple[str, str]:
    # Hashed: usernames typed by strangers are not worth keeping in the cache as typed.
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return f"signin-delay:failures:{digest}", f"signin-delay:last:{digest}"


def wait_for(failures: int) -> int:
    """Seconds to wait after the last of `failures` failures."""
    free = settings.SIGNIN_DELAY_FREE_FAILURES
    if failures < free:
        return 0
    return min(2 ** min(failures - free, 30), settings.SIGNIN_DELAY_MAX_SECONDS)


def seconds_to_wait(username: str, *, now: float | None = None) -> int:
    failures_key, last_key = _keys(username)
    values = cache.get_many([failures_key, last_key])
    failures, last = values.get(failures_key, 0), values.get(last_key)
    if not failures or last is None:
        return 0
    left = last + wait_for(failures) - (now if now is not None else time.time())
    return max(int(left + 0.999), 0)


def record_failure(username: str) -> None:
    failures_key, last_key = _keys(username)
    memory = settings.SIGNIN_DELAY_MEMORY_SECONDS
    # add + incr are atomic on Redis and in the local cache: parallel failures all count.
    if not cache.add(failures_key, 1, timeout=memory):
        try:
            cache.incr(failures_key)
        except ValueError:  # expired in between
            cache.set(failures_key, 1, timeout=memory)
        cache.touch(failures_key, timeout=memory)
    cache.set(last_key, time.time(), timeout=memory)


def forget(username: str) -> None:
    cache.delete_many(list(_keys(username)))


class SignInDelayBackend:
    """Refuses a username that must still wait; authenticates no one itself."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.SIGNIN_DELAY_ENABLED or not username:
            return None
        wait = seconds_to_wait(str(username))
        if wait:
            if request is not None:
                request.signin_delay_seconds = wait
            raise PermissionDenied
        return None

    # No get_user(): this backend never signs anyone in, so no session names it, and
    # Django (and the test client's force_login) must not pick it to load a user.


@receiver(user_login_failed, dispatch_uid="signin_delay_failed")
def _count_failure(sender, credentials=None, request=None, **kwargs):
    username = (credentials or {}).get("username")
    if not settings.SIGNIN_DELAY_ENABLED or not username:
        return
    if request is not None and getattr(request, "signin_delay_seconds", 0):
        return  # refused while waiting: does not extend the wait
    record_failure(str(username))


@receiver(user_logged_in, dispatch_uid="signin_delay_success")
def _forget_on_success(sender, user=None, **kwargs):
    if user is not None:
        forget(user.get_username())


@receiver(post_delete, sender="axes.AccessAttempt", dispatch_uid="signin_delay_unlock")
def _forget_on_unlock(sender, instance=None, **kwargs):
    # An administrator unlocks a username by deleting its axes attempts (admin → Axes →
    # Access attempts): the growing wait is lifted with it.
    if instance is not None and instance.username:
        forget(instance.username)
