"""The kernel's records: one-time sign-in codes for residents, the outbox of messages and the
access records (who read personal data). App label `empowerment`, kept from before the kernel
had its own package, so tables and permissions did not move."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from empowerment.kernel.fields import CodeField


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


def record_kind_name(label: str) -> str:
    """A model's Persian name from its `app.model` label (as an access record stores it)."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


class AccessRecord(models.Model):
    """Who opened, searched or exported personal data, when, what and from where.

    Written only by `services.access_record`; read-only in the admin, for administrators.
    A search term is stored masked (digits of a national code or mobile hidden but the last
    two) with a keyed hash of the whole term, so that an auditor who types a national code
    finds the searches for it without the record itself giving the code away.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Opened a record")
        SEARCH = "search", _("Searched")
        EXPORT = "export", _("Exported")

    class Channel(models.TextChoices):
        ADMIN = "admin", _("Admin")
        API = "api", _("API")
        DASHBOARD = "dashboard", _("Dashboard")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # Kept when the account goes: the username says who it was.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    model = models.CharField(_("model"), max_length=100)  # "trainees.trainee"
    # Blank for a list (a search or an export of many rows).
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    term = models.CharField(_("search term (masked)"), max_length=200, blank=True)
    term_hash = models.CharField(_("search term hash"), max_length=64, blank=True)
    filters = models.CharField(_("filters (masked)"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["model", "object_id"], name="access_model_object"),
            models.Index(fields=["term_hash"], name="access_term_hash"),
        ]

    def __str__(self) -> str:
        kind = record_kind_name(self.model)
        what = f"{kind} #{self.object_id}" if self.object_id else f"{kind} ({_('list')})"
        return f"{self.username or '—'} · {self.get_action_display()} · {what}"
