"""The API's URLs: /api/v1/ resources, /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI
served from the app's own static files).

A new resource is one line here: `router.register("cohorts", CohortViewSet)`.
"""

import threading

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from centres.api.views import CentreViewSet, CommitmentViewSet, MeetingViewSet, ResolutionViewSet
from empowerment.api import auth, me
from programs.api.views import (
    CohortSessionViewSet,
    CohortViewSet,
    IdeaCallViewSet,
    IdeaReviewViewSet,
    IdeaViewSet,
    ProgrammeViewSet,
)
from trainees.api.views import AttendanceViewSet, EnrolmentViewSet, OutcomeViewSet, TraineeViewSet


class SchemaView(SpectacularAPIView):
    """The schema, built one request at a time per process: drf-spectacular loads its
    extension classes lazily and not thread-safely, and two first requests at once in a
    gthread worker answered 500 (found by bench/api_bench.py)."""

    _lock = threading.Lock()

    def _get_schema_response(self, request):
        with self._lock:
            return super()._get_schema_response(request)


router = DefaultRouter()
router.include_root_view = False
router.register("centres", CentreViewSet, basename="centre")
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("cohorts", CohortViewSet, basename="cohort")
router.register("sessions", CohortSessionViewSet, basename="session")
router.register("trainees", TraineeViewSet, basename="trainee")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("attendance", AttendanceViewSet, basename="attendance")
router.register("outcomes", OutcomeViewSet, basename="outcome")
router.register("idea-calls", IdeaCallViewSet, basename="idea-call")
router.register("ideas", IdeaViewSet, basename="idea")
router.register("reviews", IdeaReviewViewSet, basename="review")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("resolutions", ResolutionViewSet, basename="resolution")
router.register("commitments", CommitmentViewSet, basename="commitment")

v1 = [
    path("auth/token/", auth.TokenObtainView.as_view(), name="token"),
    path("auth/token/refresh/", auth.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/otp/request/", auth.OTPRequestView.as_view(), name="otp-request"),
    path("auth/otp/verify/", auth.OTPVerifyView.as_view(), name="otp-verify"),
    path("me/", me.MeView.as_view(), name="me"),
    *router.urls,
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file (docs/?script=): the page
    # then has no inline script, as the Content-Security-Policy requires.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
]
