"""Cross-app pages: liveness and readiness. The public pages are in `empowerment/public/`."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health


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
