from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from empowerment import views

urlpatterns = [
    path("", include("empowerment.public.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("empowerment.api.urls")),
    path("dashboard/", include("empowerment.dashboards.urls")),
]

# JSON under /api/, Django's pages elsewhere (empowerment/views.py).
handler404 = "empowerment.views.page_not_found"
handler500 = "empowerment.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
