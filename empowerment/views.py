"""Cross-app pages: liveness and readiness, and the error pages. The public pages are in
`empowerment/public/`."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from empowerment.kernel import health


def _report(parts: dict[str, str]) -> JsonResponse:
    healthy = all(state in health.PASSING for state in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **parts}, status=200 if healthy else 503
    )


@never_cache
@require_safe
def healthz(request):
    """Liveness for container health checks: this process answers and reaches its database.

    Nothing else, so that a Redis or worker outage does not get healthy web containers
    restarted in a loop; /readyz names those parts.
    """
    return _report(health.liveness())


@never_cache
@require_safe
def readyz(request):
    """Readiness, JSON: database, Redis, migrations, worker and beat heartbeats; 503 names
    the failing part."""
    return _report(health.readiness())


# --- Error pages (handler404, handler500 in empowerment/urls.py). Under /api/ every answer
# is JSON in the API's one error shape (centres/api/base/exceptions.py), also for a path no
# route takes and for an error no view caught; elsewhere Django's own pages.


def _api_error(request, *, status: int, code: str, detail: str) -> JsonResponse | None:
    if not request.path.startswith("/api/"):
        return None
    return JsonResponse({"detail": detail, "code": code, "errors": {}}, status=status)


def page_not_found(request, exception):
    answer = _api_error(request, status=404, code="not_found", detail=_("Not found."))
    return answer or defaults.page_not_found(request, exception)


def server_error(request):
    answer = _api_error(
        request, status=500, code="server_error", detail=_("A server error occurred.")
    )
    return answer or defaults.server_error(request)
