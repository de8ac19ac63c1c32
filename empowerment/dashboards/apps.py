from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The dashboards: pages, exports and the summary tables they read. The summary models
    keep the app label `empowerment` (see their Meta), so their tables, permissions and
    migrations are the ones they had before the dashboards had their own app."""

    name = "empowerment.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        # Registers the refresh task by its name (models are loaded only now).
        from django.db import connections
        from django.db.models.signals import post_migrate

        from empowerment.dashboards import outbox, tasks  # noqa: F401

        def install_triggers(sender, using="default", **kwargs) -> None:
            # The summaries' change triggers follow the code: (re)made after every migrate.
            outbox.install(connections[using])

        post_migrate.connect(install_triggers, sender=self, weak=False)
