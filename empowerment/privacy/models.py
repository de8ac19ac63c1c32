"""The access record: one read of personal data. (A model of the `empowerment` app,
imported by `empowerment/models.py`.)"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        what = f"{self.model} #{self.object_id}" if self.object_id else f"{self.model} (list)"
        return f"{self.username or '—'} · {self.get_action_display()} · {what}"
