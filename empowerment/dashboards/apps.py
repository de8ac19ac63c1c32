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
        from empowerment.dashboards import tasks  # noqa: F401
