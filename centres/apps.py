from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, **kwargs):
    from .services import roles_sync_groups

    roles_sync_groups()


class CentresConfig(AppConfig):
    name = "centres"
    verbose_name = _("Centres and headquarters")

    def ready(self) -> None:
        # After the last app migrates, every model's permissions exist.
        post_migrate.connect(_sync_role_groups, dispatch_uid="centres_sync_role_groups")
