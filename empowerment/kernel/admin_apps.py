"""django.contrib.admin with the portal's site, which asks for a second factor after the
password (empowerment/kernel/admin_site.py). Its own module: an apps module may declare one
AppConfig by default."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "empowerment.kernel.admin_site.PortalAdminSite"
