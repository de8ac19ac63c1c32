"""The API's JWT authentication: simplejwt's, plus the refusal of access tokens issued
before the holder's password changed (empowerment.credentials)."""

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from empowerment.credentials import revoked_before


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
