from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from empowerment.kernel.signals import resident_signed_in


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("Trainees")

    def ready(self) -> None:
        # Models are loaded only now, so the modules that use them are imported here.
        from trainees import services, tasks  # noqa: F401 (tasks: registers them by name)

        # A resident who signs in by code is linked to their Trainee (the kernel sends it).
        resident_signed_in.connect(
            services.trainee_link_resident_on_sign_in,
            dispatch_uid="trainees.link_resident",
            weak=False,
        )
