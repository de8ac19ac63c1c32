"""The public catalogue of a centre: home businesses born from its training, listed with the
owner's consent, and what residents write to them through the centre (services in
`trainees/services/catalogue.py`).

A listing shows a business's own name and what it makes, never the owner's name or mobile:
the message a resident sends is stored for the centre's staff, who pass it on."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from centres.models import Centre, TimeStamped
from centres.scope import ScopedQuerySet
from empowerment.kernel.fields import PersianCharField, PersianTextField

from .outcomes import Outcome

_CENTRE_SCOPE = {
    "centre": "centre",
    "city": "centre__city",
    "province": "centre__city__province",
    "headquarters": "centre__headquarters",
}


class CatalogueEntryQuerySet(ScopedQuerySet):
    scope_paths = _CENTRE_SCOPE

    def listed(self):
        """What the public sees: consented, not withdrawn, at an active centre."""
        return self.filter(withdrawn_at=None, centre__is_active=True)


class CatalogueEntry(TimeStamped):
    """A home business in the centre's public catalogue, with its owner's consent."""

    outcome = models.OneToOneField(
        Outcome,
        on_delete=models.PROTECT,
        related_name="catalogue_entry",
        verbose_name=_("home business outcome"),
    )
    centre = models.ForeignKey(
        Centre,
        on_delete=models.PROTECT,
        related_name="catalogue_entries",
        verbose_name=_("centre"),
    )
    name = PersianCharField(_("business name"), max_length=200)
    description = PersianTextField(
        _("what it makes"), max_length=1500, validators=[MaxLengthValidator(1500)]
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = models.Manager.from_queryset(CatalogueEntryQuerySet)()

    class Meta:
        verbose_name = _("catalogue entry")
        verbose_name_plural = _("catalogue of home businesses")
        ordering = ["centre", "name"]

    def __str__(self) -> str:
        return self.name


class BusinessMessageQuerySet(ScopedQuerySet):
    scope_paths = {kind: f"entry__{path}" for kind, path in _CENTRE_SCOPE.items()}


class BusinessMessage(models.Model):
    """What a resident wrote to a listed business, kept for the centre's staff to pass on."""

    NAME_MAX_LENGTH = 80
    CONTACT_MAX_LENGTH = 100
    TEXT_MAX_LENGTH = 1500

    class State(models.TextChoices):
        NEW = "new", _("New")
        PASSED_ON = "passed_on", _("Passed on to the business")
        DISMISSED = "dismissed", _("Dismissed")

    entry = models.ForeignKey(
        CatalogueEntry,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("business"),
    )
    name = PersianCharField(_("name"), max_length=NAME_MAX_LENGTH)
    contact = PersianCharField(
        _("how to answer"),
        max_length=CONTACT_MAX_LENGTH,
        help_text=_("A phone number or an e-mail address."),
    )
    text = PersianTextField(
        _("message"), max_length=TEXT_MAX_LENGTH, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)]
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NEW)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = models.Manager.from_queryset(BusinessMessageQuerySet)()

    class Meta:
        verbose_name = _("message to a business")
        verbose_name_plural = _("messages to businesses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} → {self.entry}"
