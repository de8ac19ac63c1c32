"""Sign-in to the API: JWT for staff by password, and for residents by a code sent by SMS.

The password endpoint goes through django.contrib.auth.authenticate() with the request,
so django-axes counts failures and locks the username and IP after AXES_FAILURE_LIMIT; a
locked sign-in is answered 429 with the API's error shape.
"""

from axes.conf import settings as axes_settings
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from centres.api.base.exceptions import SignInLocked
from centres.api.base.throttling import (
    OTPRequestIPThrottle,
    OTPRequestMobileThrottle,
    OTPVerifyThrottle,
    SignInThrottle,
)
from empowerment.kernel import residents, second_factor, signin_delay


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True, help_text=_("Short-lived access token."))
    refresh = serializers.CharField(read_only=True, help_text=_("Token to get a new access."))


def tokens_for(user) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class PasswordSignInSerializer(jwt_serializers.TokenObtainPairSerializer):
    default_error_messages = {
        "no_active_account": _("The username or password is not correct."),
        "otp_required": _(
            "This account signs in with a code from an authenticator app too: send it as otp."
        ),
        "otp_invalid": _("The code is not correct, or was already used."),
        "otp_enrolment_required": _(
            "This account needs two-step sign-in: set up an authenticator app in the admin first."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["otp"] = serializers.CharField(
            required=False,
            write_only=True,
            max_length=12,
            help_text=_(
                "The authenticator app's current code: required for administrators, centre "
                "managers, headquarters secretaries and whoever turned it on."
            ),
        )

    def _check_second_factor(self, user, token, http_request) -> None:
        if not second_factor.applies_to(user):
            return
        device = second_factor.device_for(user)
        if device is None:
            code = "otp_enrolment_required"
        elif not token:
            code = "otp_required"
        elif not second_factor.verify(device, token, request=http_request):
            code = "otp_invalid"
        else:
            return
        raise exceptions.AuthenticationFailed(self.error_messages[code], code)

    def validate(self, attrs):
        request = self.context["request"]
        # axes keeps its bookkeeping on the Django request (its middleware reads it), so
        # authenticate() gets that one, not DRF's wrapper.
        http_request = getattr(request, "_request", request)
        user = authenticate(
            request=http_request,
            username=attrs[self.username_field],
            password=attrs["password"],
        )
        # Locked by axes, or still waiting out the username's growing delay (signin_delay).
        if getattr(http_request, "axes_locked_out", False) or getattr(
            http_request, "signin_delay_seconds", 0
        ):
            raise SignInLocked()
        if not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        self._check_second_factor(user, attrs.get("otp"), http_request)
        # The form sign-ins forget the username's failures through user_logged_in, which
        # the token endpoint does not send.
        signin_delay.forget(user.get_username())
        self.user = user
        return tokens_for(user)


class TokenObtainView(jwt_views.TokenObtainPairView):
    serializer_class = PasswordSignInSerializer
    throttle_classes = [SignInThrottle]
    # Lockout after repeated failures is a 429 (see module docstring).
    extra_error_statuses = (400, 429)

    @extend_schema(
        summary="Sign in with username and password",
        description=(
            "Returns a JWT pair. Send `Authorization: Bearer <access>`; renew with "
            "`/api/v1/auth/token/refresh/`. After repeated failures the username is locked "
            "for a while and the answer is 429 with code `sign_in_locked`."
        ),
        responses={200: TokenPairSerializer},
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """simplejwt's rotation (a new refresh token, the old one blacklisted), made safe when the
    same refresh token is sent twice at once: the token's OutstandingToken row is locked, so
    the second request waits, then finds it blacklisted and is refused."""

    default_error_messages = {
        "no_active_account": _("The account of this token is no longer active."),
    }

    def validate(self, attrs):
        with transaction.atomic():
            try:
                jti = RefreshToken(attrs["refresh"]).get(jwt_settings.JTI_CLAIM)
            except TokenError as exc:
                raise InvalidToken(exc.args[0]) from exc
            # Rows are written for every token issued; a token without one (issued before
            # the blacklist app existed) is refused with the others as unknown.
            if not OutstandingToken.objects.select_for_update().filter(jti=jti).exists():
                raise InvalidToken(_("Token is invalid or expired"))
            try:
                return super().validate(attrs)
            except TokenError as exc:  # blacklisted meanwhile
                raise InvalidToken(exc.args[0]) from exc
            except get_user_model().DoesNotExist as exc:  # the account was deleted
                raise exceptions.AuthenticationFailed(
                    self.error_messages["no_active_account"], "no_active_account"
                ) from exc


class TokenRefreshView(jwt_views.TokenRefreshView):
    serializer_class = RefreshSerializer
    throttle_classes = [SignInThrottle]

    @extend_schema(
        summary="Get a new access token",
        description=(
            "Returns a new access token and a new refresh token; the refresh token sent "
            "is blacklisted and works only once."
        ),
        responses={200: TokenPairSerializer},
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


# Any script's decimal digit (`\d` in a str pattern is Unicode category Nd): the service
# turns them all into ASCII (empowerment/kernel/persian.py) before it validates and caps.
DIGIT = r"\d"
MOBILE_MESSAGE = _("Mobile number must be an Iranian mobile number such as 09121234567.")


class OTPRequestSerializer(serializers.Serializer):
    # The pattern lets through what a phone keyboard gives (+98, spaces, Persian digits);
    # the service normalises and validates the number itself.
    mobile = serializers.RegexField(
        rf"^[+ ()\-]*({DIGIT}[ ()\-]*){{10,14}}$",
        max_length=24,
        help_text=_("Iranian mobile number, e.g. 09121234567 (Persian digits ok)."),
        error_messages={"invalid": MOBILE_MESSAGE},
    )


class OTPRequestAnswerSerializer(serializers.Serializer):
    detail = serializers.CharField()
    expires_in = serializers.IntegerField(help_text=_("Seconds the code stays valid."))


class OTPVerifySerializer(OTPRequestSerializer):
    code = serializers.RegexField(rf"^{DIGIT}{{4,8}}$", help_text=_("The code received by SMS."))


class OTPRequestView(APIView):
    """Send a one-time sign-in code by SMS to a resident's mobile."""

    permission_classes = [AllowAny]
    throttle_classes = [OTPRequestIPThrottle, OTPRequestMobileThrottle]
    extra_error_statuses = (400, 429)

    @extend_schema(
        summary="Residents: ask for a sign-in code by SMS",
        request=OTPRequestSerializer,
        responses={202: OTPRequestAnswerSerializer},
        examples=[OpenApiExample("mobile", value={"mobile": "09121234567"}, request_only=True)],
        tags=["auth"],
    )
    def post(self, request):
        serializer = OTPRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            otp = residents.otp_request(mobile=serializer.validated_data["mobile"])
        except residents.OTPRequestLimited as exc:
            raise Throttled(wait=exc.wait, detail=str(exc)) from exc
        seconds = int((otp.expires_at - otp.created_at).total_seconds())
        return Response(
            {"detail": str(_("The code was sent by SMS.")), "expires_in": seconds},
            status=status.HTTP_202_ACCEPTED,
        )


class OTPVerifyView(APIView):
    """Check the code; the first sign-in creates the resident's account."""

    permission_classes = [AllowAny]
    throttle_classes = [OTPVerifyThrottle]
    extra_error_statuses = (400, 429)

    @extend_schema(
        summary="Residents: sign in with the code received by SMS",
        description=(
            "Codes expire after a short time, work once, and die after a few wrong tries."
        ),
        request=OTPVerifySerializer,
        responses={200: TokenPairSerializer},
        tags=["auth"],
    )
    def post(self, request):
        serializer = OTPVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = residents.otp_verify(**serializer.validated_data)
        return Response(tokens_for(user))


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked sign-in (AXES_LOCKOUT_CALLABLE).

    The API has already answered 429 in its own error shape; keep that. Elsewhere (the
    admin's login form) a plain translated message with axes' status.
    """
    if request.path.startswith("/api/"):
        if original_response is not None and original_response.status_code == 429:
            return original_response
        return JsonResponse(
            {"detail": str(SignInLocked.default_detail), "code": "sign_in_locked", "errors": {}},
            status=429,
        )
    return HttpResponse(
        str(SignInLocked.default_detail),
        status=axes_settings.AXES_HTTP_RESPONSE_CODE,
        content_type="text/plain; charset=utf-8",
    )
