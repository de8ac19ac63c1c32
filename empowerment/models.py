"""Cross-app records: one-time sign-in codes for residents and the outbox of messages."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .fields import CodeField

# Access records live with the privacy services (empowerment/privacy/).
from .privacy.models import AccessRecord  # noqa: F401


class OneTimeCode(models.Model):
    """A sign-in code sent by SMS to a resident's mobile. Only a keyed hash is stored."""

    mobile = CodeField(_("mobile"), max_length=11, db_index=True)
    code_hash = models.CharField(_("code hash"), max_length=128)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["mobile", "-created_at"], name="otp_mobile_recent")]

    def __str__(self) -> str:
        return f"{self.mobile} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class OutboxMessage(models.Model):
    """One outgoing SMS or e-mail. `key` makes queueing idempotent: a job that runs twice
    finds its message already there instead of queueing a second one."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    # Sign-in codes: the text is hidden in the admin and blanked once the message is done.
    sensitive = models.BooleanField(_("sensitive"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    provider_reply = models.TextField(_("provider reply"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    # The state history is the audit trail; the text stays out of it (it may hold a code).
    history = HistoricalRecords(excluded_fields=["text"])

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient} ({self.get_state_display()})"


# The dashboards' summary tables live with the dashboards; importing them here makes them
# this app's models (the app that composes centres, programs and trainees).
from .dashboards.models import (  # noqa: E402, F401
    HeadquartersRollup,
    HeadquartersSummary,
    IdeaRollup,
    IdeaSummary,
    IndicatorDistrictSummary,
    IndicatorSummary,
    JalaliDay,
    SummaryState,
    TrainingRollup,
    TrainingSummary,
)
