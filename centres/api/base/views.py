"""Base classes of the API's views: every queryset goes through `visible_to(user)`.

Adding an endpoint for a scoped model is a serializer and a few lines:

    class CohortViewSet(ScopedReadOnlyModelViewSet):
        queryset = Cohort.objects.select_related("programme", "centre")
        serializer_class = CohortSerializer
        filterset_fields = ["centre", "programme", "status"]
        search_fields = ["programme__name"]
        ordering_fields = ["start_date", "id"]
        ordering = ["-start_date", "-id"]

and one line in empowerment/api/urls.py: `router.register("cohorts", CohortViewSet)`.
Large lists set `pagination_class = CursorPagination`. Writable endpoints derive from
ScopedModelViewSet and call services in perform_create/perform_update.
"""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import mixins, viewsets
from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated
from rest_framework.settings import api_settings

from centres.scope import ScopedQuerySet
from empowerment.kernel.models import AccessRecord
from empowerment.kernel.privacy.services import (
    access_record_for_request,
    holds_personal_data,
    masked_filters,
)


class ScopedQuerysetMixin:
    """Rows outside the caller's scope do not exist for the API: a 404, not a 403."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if not isinstance(queryset, ScopedQuerySet):
            # An unscoped queryset here would leak other centres' rows: refuse loudly.
            raise ImproperlyConfigured(
                f"{type(self).__name__}.queryset must be a ScopedQuerySet "
                "(Model.objects of a scoped model)."
            )
        return queryset.visible_to(self.request.user)


class AccessRecordMixin:
    """Reads of personal data leave an access record: one row read (retrieve) and a list
    searched (`?search=`). Applies to viewsets whose model's queryset declares personal data
    (`holds_personal_data`): trainees, enrolments, attendance, outcomes, ideas."""

    def _record(self, request, action: str, **fields) -> None:
        model = self.queryset.model if self.queryset is not None else self.get_queryset().model
        if holds_personal_data(model):
            access_record_for_request(
                request, action=action, channel=AccessRecord.Channel.API, model=model, **fields
            )

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        # Only once the row was found in the caller's scope (else a 404 was raised).
        lookup = self.lookup_url_kwarg or self.lookup_field
        self._record(request, AccessRecord.Action.VIEW, object_id=kwargs.get(lookup, ""))
        return response

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        term = request.query_params.get(api_settings.SEARCH_PARAM, "")
        if term.strip() and response.status_code == 200:
            self._record(
                request,
                AccessRecord.Action.SEARCH,
                term=term,
                filters=masked_filters(request.query_params, skip=(api_settings.SEARCH_PARAM,)),
            )
        return response


class ScopedReadOnlyModelViewSet(
    ScopedQuerysetMixin, AccessRecordMixin, viewsets.ReadOnlyModelViewSet
):
    pass


class ScopedModelViewSet(
    ScopedQuerysetMixin,
    AccessRecordMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Create, read, update; no delete unless a subclass adds DestroyModelMixin.

    Writes must go through the app's services: override perform_create/perform_update.
    Model permissions (the role's rights from centres/roles.py) guard the writes.
    """

    http_method_names = ["get", "post", "patch", "head", "options"]

    permission_classes = [IsAuthenticated, DjangoModelPermissions]
