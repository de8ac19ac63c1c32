"""Signed-in sessions end after SESSION_IDLE_SECONDS (8 hours) without a request (issue 12).

Staff are the ones who sign in with a session (admin, dashboards); residents use the API's
tokens and the public pages need no sign-in, so one rule serves. Django's own sliding expiry
(SESSION_SAVE_EVERY_REQUEST) would write the session row on every request; here a request
writes it only when the last recorded activity is more than SESSION_ACTIVITY_RESOLUTION
seconds old, which pushes the row's and the cookie's expiry (SESSION_COOKIE_AGE, 8 hours) on
by as much. Idleness is so measured to within those few minutes.
"""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY

ACTIVITY_KEY = "_activity_at"


class SessionIdleMiddleware:
    """After SessionMiddleware and before AuthenticationMiddleware: an idle session is
    flushed before anyone reads the user from it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.get(SESSION_KEY) is not None:
            now = time.time()
            last = session.get(ACTIVITY_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_SECONDS:
                session.flush()
            elif last is None or now - last > settings.SESSION_ACTIVITY_RESOLUTION:
                # (No record: a session from before this rule; its row expires on its own.)
                session[ACTIVITY_KEY] = now
        return self.get_response(request)


def stamp_sign_in(sender, request, user, **kwargs):
    """user_logged_in receiver (connected in apps.py): stamped at sign-in so that the first
    requests after it write nothing."""
    if request is not None and hasattr(request, "session"):
        request.session[ACTIVITY_KEY] = time.time()
