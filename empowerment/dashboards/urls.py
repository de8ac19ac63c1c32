from django.urls import path

from empowerment.dashboards import pages, views  # noqa: F401 (pages registers the summary dashboards)

app_name = "dashboard"

urlpatterns = [
    path("", views.DashboardIndex.as_view(), name="index"),
    path("login/", views.DashboardLoginView.as_view(), name="login"),
    path("logout/", views.DashboardLogoutView.as_view(), name="logout"),
]
for _page in views.PAGES:
    urlpatterns += [
        path(f"{_page.slug}/", _page.as_view(), name=_page.slug),
        path(
            f"{_page.slug}/export/<slug:figure>.xlsx",
            _page.as_view(),
            name=f"{_page.slug}-export",
        ),
    ]
