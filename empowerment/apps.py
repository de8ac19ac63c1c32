from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmpowermentConfig(AppConfig):
    name = "empowerment"
    verbose_name = _("Empowerment portal")
