# Importing django_jalali.admin puts the Jalali date picker on every jDateField in the admin.
import django_jalali.admin  # noqa: F401
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Empowerment and employment centres")
admin.site.site_title = _("Empowerment portal")
admin.site.index_title = _("Administration")
