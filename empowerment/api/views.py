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

from centres.scope import ScopedQuerySet


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


class ScopedReadOnlyModelViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(
    ScopedQuerysetMixin,
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


def conflict_from(error, *, when: bool):
    """A service's ValidationError as a 409 when it reports a clash with existing data
    (already enrolled, a closed cohort); otherwise the error itself (a 400)."""
    from .exceptions import Conflict

    if not when:
        return error
    return Conflict(detail="; ".join(getattr(error, "messages", [str(error)])))


def is_unique_clash(error) -> bool:
    """Whether a model's full_clean() refused a row because an identical one exists."""
    codes = set()
    for errors in getattr(error, "error_dict", {"": getattr(error, "error_list", [])}).values():
        codes |= {e.code for e in errors}
    return bool(codes & {"unique", "unique_together", "unique_constraint"})
