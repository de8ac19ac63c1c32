"""Typed refusals of the services (HackSoft's ApplicationError, Zulip's JsonableError).

A service that refuses a change raises one of these classes, with a Persian message (the
request's language, through gettext) and a stable machine `code`. Callers never query again
to learn why: the API maps the class to a status code (centres/api/base/exceptions.py), the
admin shows the message on the form (centres/admin_base.py), the public pages show it too.

They are Django ValidationErrors, so a caller that only wants "refused, and the message"
(a form, an admin action, a management command) catches ValidationError as before; per-field
refusals keep Django's {field: [messages]} shape when raised with `field=`.

    raise CohortClosed(_("This cohort is closed: nobody can enrol in it any more."))
    raise Invalid(_("Write why the trainee dropped out."), field="drop_reason")
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "DomainError",
    "Invalid",
    "Conflict",
    "Duplicate",
    "CohortClosed",
    "CohortFull",
    "OutOfScope",
    "NotAllowed",
    "domain_error_classes",
    "is_unique_clash",
    "refusal_messages",
    "refusal_code",
    "add_refusal_to_form",
]


class DomainError(ValidationError):
    """A change the domain's rules refuse. `code` is stable (clients branch on it);
    the message is for people."""

    code: str = "invalid"
    default_message = _("This change is not allowed by the portal's rules.")

    def __init__(self, message=None, *, code: str | None = None, field: str | None = None):
        code = code or type(self).code
        message = self.default_message if message is None else message
        if field:
            super().__init__({field: [ValidationError(message, code=code)]})
        else:
            super().__init__(message, code=code)
        # ValidationError keeps no code when it carries a dict of field errors.
        self.code = code

    @property
    def text(self) -> str:
        """The refusal as one sentence (several messages joined), for a page or a message."""
        return " ".join(str(m) for m in self.messages)


class Invalid(DomainError):
    """The request breaks a rule of the change itself (a call without a criterion, a
    report dated in the future): the caller must send something else. API: 400."""

    code = "invalid"


class Conflict(DomainError):
    """The change clashes with what is already stored (the state of another row). API: 409."""

    code = "conflict"
    default_message = _("This conflicts with data that already exists or depends on it.")


class Duplicate(Conflict):
    """The same thing is already recorded. API: 409."""

    code = "duplicate"
    default_message = _("This is already recorded.")


class CohortClosed(Conflict):
    """The cohort is completed or cancelled: its enrolments and attendance are final."""

    code = "cohort_closed"
    default_message = _("This cohort is closed.")


class CohortFull(Conflict):
    """No seat is left and the change needs one."""

    code = "cohort_full"
    default_message = _("This cohort is full.")


class OutOfScope(DomainError):
    """The row is outside the caller's scope: for them it does not exist. API: 404."""

    code = "out_of_scope"
    default_message = _("This was not found in your scope.")


class NotAllowed(DomainError, PermissionDenied):
    """The caller's role may not make this change. API: 403. Also a PermissionDenied, so
    that code which tells permission from validation keeps doing so."""

    code = "not_allowed"
    default_message = _("Your role does not allow this change.")


def is_unique_clash(error: ValidationError) -> bool:
    """Whether a model's full_clean() refused a row because an identical one exists (for a
    service to raise Duplicate instead)."""
    codes = set()
    for errors in getattr(error, "error_dict", {"": getattr(error, "error_list", [])}).values():
        codes |= {e.code for e in errors}
    return bool(codes & {"unique", "unique_together", "unique_constraint"})


def refusal_messages(error: ValidationError) -> dict[str | None, list[str]]:
    """A refusal as {field or None: [messages]} (None: the whole request)."""
    if hasattr(error, "error_dict"):
        return {
            (None if field == "__all__" else field): [str(m) for m in ValidationError(errors)]
            for field, errors in error.error_dict.items()
        }
    return {None: [str(m) for m in error.messages]}


def refusal_code(error: ValidationError) -> str:
    """The refusal's stable code: a DomainError's own, else the first message's code."""
    code = getattr(error, "code", None)
    if code:
        return code
    for errors in getattr(error, "error_dict", {"": getattr(error, "error_list", [])}).values():
        for item in errors:
            if item.code:
                return item.code
    return DomainError.code


def add_refusal_to_form(form, error: ValidationError) -> None:
    """Show a service's refusal on a form (an admin page, a public page): on its field when
    the form has one, else above the form. The errors keep their codes (form.has_error)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.error_list)


def domain_error_classes() -> list[type[DomainError]]:
    """Every DomainError class, the base first (for registry-driven tests and the schema)."""
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop(0)
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found
