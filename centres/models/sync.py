"""What a mobile client's sync reads besides the rows themselves (centres/sync.py):

- `SyncTombstone`: one row per deleted row of a synced model, written by a database
  trigger (so a cascade, a queryset's delete() or raw SQL leave one too), with the version
  of the deleting transaction and the scope the row had (its centre, its owner, its call),
  so that a client learns only of deletions of rows it could see.
- `SyncClock`: the version counter on SQLite only (PostgreSQL stamps transaction ids).
"""

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from centres.scope import ScopedQuerySet

from .organisations import Centre

__all__ = ["SyncClock", "SyncTombstone"]


class SyncTombstoneQuerySet(ScopedQuerySet):
    # The row's scope as the trigger recorded it: its centre and the account it belonged to.
    # Which of these open a model's tombstones is the model's own rule (centres/sync.py).
    scope_paths = {
        "self": "owner_id",
        "centre": "centre",
        "city": "centre__city",
        "province": "centre__city__province",
        "headquarters": "centre__headquarters",
    }


class SyncTombstone(models.Model):
    """A deleted row of a synced model: its model, id, and the version it was deleted at."""

    model = models.CharField(_("model"), max_length=60)
    object_id = models.BigIntegerField(_("id of the deleted row"))
    version = models.BigIntegerField(_("version"))
    # No foreign key constraint: a centre deleted later must not take its tombstones along
    # (nor be refused because of them).
    centre = models.ForeignKey(
        Centre,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("centre"),
    )
    owner_id = models.BigIntegerField(_("owner account"), null=True, blank=True)
    call_id = models.BigIntegerField(_("call for ideas"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), db_default=Now())

    objects = models.Manager.from_queryset(SyncTombstoneQuerySet)()

    class Meta:
        verbose_name = _("sync tombstone")
        verbose_name_plural = _("sync tombstones")
        indexes = [
            models.Index(fields=["model", "version", "id"], name="synctombstone_model_version"),
        ]

    def __str__(self) -> str:
        return f"{self.model} #{self.object_id}"


class SyncClock(models.Model):
    """SQLite's version counter: each write inserts a row and takes its id (AUTOINCREMENT,
    never reused); older rows are deleted at once. Unused on PostgreSQL."""

    class Meta:
        verbose_name = _("sync clock")
        verbose_name_plural = _("sync clocks")

    def __str__(self) -> str:
        return str(self.pk)
