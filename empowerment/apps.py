from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmpowermentConfig(AppConfig):
    name = "empowerment"
    verbose_name = _("Empowerment portal")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from . import credentials, session_activity, signin_delay  # noqa: F401 (signals)

        # A password change or a deactivation revokes the person's tokens (issue 12).
        post_save.connect(
            credentials.on_user_saved, sender=get_user_model(), dispatch_uid="credentials"
        )
        user_logged_in.connect(session_activity.stamp_sign_in, dispatch_uid="session_activity")
