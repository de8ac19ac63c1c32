"""The public catalogue of home businesses: listing one with its owner's consent,
withdrawing it, and residents' messages to it, kept for the centre's staff."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centres.models import Centre
from empowerment.kernel import errors, ratelimit

from ..models import BusinessMessage, CatalogueEntry, Outcome

MESSAGE_RATE_LIMIT = 5
MESSAGE_RATE_WINDOW = 10 * 60  # seconds


class MessageRateLimited(errors.DomainError):
    """Too many messages from one address within the window: a 429 page."""

    code = "rate_limited"
    default_message = gettext_lazy(
        "You have sent several messages in a short time. Please try again later."
    )


def _outcome_centre(outcome: Outcome):
    """The centre the business was born from: its training's, or where the trainee
    registered."""
    if outcome.enrolment_id:
        return outcome.enrolment.cohort.centre
    return outcome.trainee.registered_at


@transaction.atomic
def catalogue_entry_create(
    *, outcome: Outcome, name: str, description: str, owner_consents: bool, user
) -> CatalogueEntry:
    """List a home business in its centre's public catalogue. Only an outcome "home
    business" in the user's scope, and only when its owner consented (the staff member
    records it)."""
    if not Outcome.objects.visible_to(user).filter(pk=outcome.pk).exists():
        raise errors.OutOfScope()
    if outcome.kind != Outcome.Kind.HOME_BUSINESS:
        raise errors.Invalid(
            _("Only a home business can be listed in the catalogue."),
            code="not_home_business",
            field="outcome",
        )
    if not owner_consents:
        raise errors.Invalid(
            _("List a business only when its owner consented to it."),
            code="consent_required",
            field="owner_consents",
        )
    if CatalogueEntry.objects.filter(outcome=outcome).exists():
        raise errors.Duplicate(_("This business is already in the catalogue."))
    centre = _outcome_centre(outcome)
    if centre is None or not Centre.objects.visible_to(user).filter(pk=centre.pk).exists():
        raise errors.OutOfScope()
    entry = CatalogueEntry(
        outcome=outcome,
        centre=centre,
        name=name,
        description=description,
        consent_recorded_by=user,
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def catalogue_entry_withdraw(*, entry: CatalogueEntry) -> CatalogueEntry:
    """Take a business off the catalogue (its owner withdrew consent); idempotent."""
    CatalogueEntry.objects.filter(pk=entry.pk, withdrawn_at=None).update(
        withdrawn_at=timezone.now(), updated_at=timezone.now()
    )
    entry.refresh_from_db()
    return entry


def business_message_send(
    *, entry: CatalogueEntry, name: str, contact: str, text: str, ip_address: str | None
) -> BusinessMessage:
    """A resident's message to a listed business, kept for the centre's staff (the owner's
    mobile is never given out). Raises MessageRateLimited or ValidationError."""
    if entry.withdrawn_at is not None:
        raise errors.OutOfScope()
    message = BusinessMessage(
        entry=entry, name=name, contact=contact, text=text, ip_address=ip_address
    )
    message.full_clean()
    if not ratelimit.take(
        f"catalogue:message:{ip_address or 'unknown'}",
        limit=MESSAGE_RATE_LIMIT,
        window=MESSAGE_RATE_WINDOW,
    ):
        raise MessageRateLimited()
    message.save()
    return message


@transaction.atomic
def business_message_mark(*, messages, state: str) -> int:
    """Mark messages passed on or dismissed (the admin's scoped selection); one UPDATE."""
    if state not in (BusinessMessage.State.PASSED_ON, BusinessMessage.State.DISMISSED):
        raise ValueError(state)
    return (
        BusinessMessage.objects.filter(pk__in=messages.values("pk"))
        .exclude(state=state)
        .update(state=state)
    )
