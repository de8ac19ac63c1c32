from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    """The shared kernel: imports no app of the project. Its label stays `empowerment` (the
    label its models, tables, permissions and migrations had before it had a package), and
    the label's migrations stay at `empowerment/migrations` (MIGRATION_MODULES): they also
    hold the dashboards' summary tables, which keep the label too."""

    name = "empowerment.kernel"
    label = "empowerment"
    verbose_name = _("Empowerment portal")

    def ready(self) -> None:
        # Models are loaded only now, so the modules that use them are imported here
        # (signin_delay connects its receivers; tasks registers the tasks by name).
        from empowerment.kernel import (  # noqa: F401
            admin_wording,
            credentials,
            session_activity,
            signin_delay,
            tasks,
        )
        from empowerment.kernel.privacy import tasks as privacy_tasks  # noqa: F401

        admin_wording.apply()

        # A password change or a deactivation revokes the person's tokens (issue 12).
        post_save.connect(
            credentials.on_user_saved, sender=get_user_model(), dispatch_uid="credentials"
        )
        user_logged_in.connect(session_activity.stamp_sign_in, dispatch_uid="session_activity")
