from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("Trainees")

    def ready(self) -> None:
        from empowerment.services import resident_signed_in

        resident_signed_in.connect(
            _link_resident, dispatch_uid="trainees.link_resident", weak=False
        )


def _link_resident(sender, user, mobile, **kwargs) -> None:
    from .services import trainee_link_resident

    trainee_link_resident(user=user, mobile=mobile)
