from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from empowerment.kernel.signals import resident_signed_in


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("Trainees")

    def ready(self) -> None:
        # Models are loaded only now, so the modules that use them are imported here.
        from programs.models.training import register_seat_holders
        from trainees import services, tasks  # noqa: F401 (tasks: registers them by name)
        from trainees.models import Enrolment

        # Which enrolments hold a cohort's seat: the programmes' one seat count asks.
        register_seat_holders(Q(enrolments__status__in=Enrolment.SEAT_STATUSES))

        # A resident who signs in by code is linked to their Trainee (the kernel sends it).
        resident_signed_in.connect(
            services.trainee_link_resident_on_sign_in,
            dispatch_uid="trainees.link_resident",
            weak=False,
        )
