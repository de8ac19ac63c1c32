"""The API's authentication: simplejwt's JWT, refusing access tokens issued before the
holder's password changed (empowerment.kernel.credentials), and the browser's session, refusing one
not verified by the second factor of someone who must give it (empowerment.kernel.second_factor)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import authentication as authentication_session
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from empowerment.kernel import second_factor
from empowerment.kernel.credentials import revoked_before


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token):
        # simplejwt loads the user and refuses an inactive one (CHECK_USER_IS_ACTIVE).
        user = super().get_user(validated_token)
        cutoff = revoked_before(user.pk)
        if cutoff is not None and validated_token.get("iat", 0) < cutoff:
            raise AuthenticationFailed(
                _("This sign-in has ended because the password was changed."),
                code="token_revoked",
            )
        return user


class SessionAuthentication(authentication_session.SessionAuthentication):
    """DRF's session authentication, except for a session that was not verified by a second
    factor (signed in at the dashboards' password form) of someone who must give one: the
    token endpoint asks them for the code, so the browser's session must not be a way round
    it."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        verified = getattr(user, "is_verified", None)
        if verified is not None and verified():
            return result
        if second_factor.applies_to(user):
            return None
        return result


# The OpenAPI schema describes them as the classes they extend (bearer JWT, session cookie).
class JWTScheme(SimpleJWTScheme):
    target_class = JWTAuthentication
    priority = 1


class CookieScheme(SessionScheme):
    target_class = SessionAuthentication
    priority = 1
