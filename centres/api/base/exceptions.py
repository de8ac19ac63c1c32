"""One error shape for every API answer that is not a success.

    {"detail": "<one sentence>", "code": "<machine code>", "errors": {"<field>": ["..."]}}

`errors` is empty unless the input was invalid; then each key is a field of the request
(nested fields joined with dots, list items by index, "non_field_errors" for the whole
body). Messages are translated to the request's language (Accept-Language: fa or en),
because LocaleMiddleware has activated it before DRF builds them.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from empowerment.kernel import errors as domain


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This conflicts with data that already exists or depends on it.")
    default_code = "conflict"


class SignInLocked(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _(
        "Too many failed sign-in attempts. The account is locked for a while; try again later."
    )
    default_code = "sign_in_locked"


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as {"a.b.0.c": ["message", ...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, list) and any(isinstance(item, dict | list) for item in errors):
        for index, item in enumerate(errors):
            if item:
                flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        items = errors if isinstance(errors, list) else [errors]
        flat[prefix or "non_field_errors"] = [str(item) for item in items]
    return flat


def _first_code(detail) -> str | None:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_code(value)
    if isinstance(detail, list):
        return _first_code(detail[0]) if detail else None
    return getattr(detail, "code", None)


# A service's refusal, by its class: the first class of the error's MRO listed here wins.
DOMAIN_STATUSES: dict[type[domain.DomainError], int] = {
    domain.OutOfScope: status.HTTP_404_NOT_FOUND,
    domain.NotAllowed: status.HTTP_403_FORBIDDEN,
    domain.Conflict: status.HTTP_409_CONFLICT,
    domain.DomainError: status.HTTP_400_BAD_REQUEST,
}


def domain_status(error: domain.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in DOMAIN_STATUSES:
            return DOMAIN_STATUSES[cls]
    return status.HTTP_400_BAD_REQUEST


class DomainRefusal(exceptions.APIException):
    """A service's DomainError as DRF sees it: its status by class, its own code."""

    def __init__(self, error: domain.DomainError):
        self.error = error
        self.status_code = domain_status(error)
        super().__init__(detail=error.text, code=error.code)


def _domain_body(error: domain.DomainError) -> dict:
    errors = _flatten(as_serializer_error(error)) if hasattr(error, "error_dict") else {}
    if domain_status(error) == status.HTTP_400_BAD_REQUEST and not errors:
        # A 400 names what to change; a refusal of the whole request is non_field_errors,
        # as a serializer's would be.
        errors = {"non_field_errors": [str(m) for m in error.messages]}
    return {"detail": error.text, "code": error.code, "errors": errors}


def exception_handler(exc, context):
    # A service's typed refusal: its status by class, its code and message as they are.
    if isinstance(exc, domain.DomainError):
        exc = DomainRefusal(exc)
    # Services raise Django's errors; the API speaks DRF's.
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, IntegrityError | ProtectedError | RestrictedError):
        exc = Conflict()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: a 500 that is logged and fixed, not dressed up

    if isinstance(exc, DomainRefusal):
        body = _domain_body(exc.error)
    elif isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        body = {
            "detail": str(_("Some of the data sent is not valid.")),
            "code": _first_code(exc.detail) or "invalid",
            "errors": errors,
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, dict | list):
            # simplejwt puts {"detail", "code", "messages"} in detail; keep one sentence.
            message = detail.get("detail") if isinstance(detail, dict) else None
            code = detail.get("code") if isinstance(detail, dict) else None
            body = {
                "detail": str(message or next(iter(_flatten(detail).values()))[0]),
                "code": str(code or _first_code(detail) or "error"),
                "errors": {},
            }
        else:
            body = {
                "detail": str(detail),
                "code": getattr(detail, "code", None) or "error",
                "errors": {},
            }
    response.data = body
    return response
