"""Revoking a person's credentials when their password changes or their account is disabled.

A password change or a deactivation ends every way in that was given before it:

- refresh tokens: every OutstandingToken of the user is blacklisted (simplejwt's
  token_blacklist), so none can be renewed;
- access tokens (they live JWT_ACCESS_MINUTES, at most 5): a deactivated user is refused at
  once because JWTAuthentication loads the user on every request (CHECK_USER_IS_ACTIVE);
  after a password change, `revoked_before` records the moment in the cache for an access
  token's lifetime, and the API's authentication refuses a token issued before it. One cache
  read per request; if the cache lost the entry the token still dies within 5 minutes;
- browser sessions: Django checks the session's password hash on every request (a password
  change ends other sessions) and ModelBackend refuses an inactive user's session.

Upgrading a stored password hash (Django's check_password re-hashes with the preferred
hasher and saves) is not a password change and signs no one out: Django clears
`user._password` before that save, so the post_save receiver sees it only on set_password.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import aware_utcnow


def _revoked_key(user_id) -> str:
    return f"auth:revoked-before:{user_id}"


def revoked_before(user_id) -> float | None:
    """The moment before which the user's access tokens are refused (None: no such moment)."""
    return cache.get(_revoked_key(user_id))


@transaction.atomic
def user_credentials_revoke(*, user) -> int:
    """Blacklist every refresh token of `user` and refuse the access tokens issued so far.

    Returns how many refresh tokens were newly blacklisted.
    """
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    fresh = [BlacklistedToken(token=token) for token in outstanding]
    # ignore_conflicts: a refresh being rotated at this very moment may blacklist the same
    # row; either way it ends blacklisted.
    BlacklistedToken.objects.bulk_create(fresh, ignore_conflicts=True)
    if not OutstandingToken.objects.filter(user=user, expires_at__gt=aware_utcnow()).exists():
        # Never signed in to the API (or long ago): no access token can be alive.
        return len(fresh)
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    # Set at once, not on commit: should the change roll back, the person merely signs in
    # again (fail closed). A token's "iat" is in whole seconds, so one issued in the same
    # second just after the change is refused too: the rare price of never letting one
    # issued just before it through.
    cache.set(_revoked_key(user.pk), time.time(), timeout=lifetime + 60)
    return len(fresh)


def on_user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    """post_save of the user model: revoke on a password change or a deactivation."""
    if created:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    # set_password() leaves the raw password in `_password` until save() has run; Django's
    # hash-upgrade setter clears it before saving, so an upgrade does not land here.
    password_changed = getattr(instance, "_password", None) is not None
    if password_changed or not instance.is_active:
        user_credentials_revoke(user=instance)


def tokens_flush_expired() -> int:
    """Delete the expired refresh-token rows (and their blacklist rows, by cascade), as
    simplejwt's `flushexpiredtokens` does; an expired token is refused without them."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lte=aware_utcnow()).delete()
    return deleted
