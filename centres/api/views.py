import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view

from centres.models import Centre, District, Neighbourhood
from empowerment.api.views import ScopedReadOnlyModelViewSet

from .serializers import CentreSerializer


class CentreFilter(django_filters.FilterSet):
    city = django_filters.NumberFilter(field_name="city_id")
    province = django_filters.NumberFilter(field_name="city__province_id")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Centre
        fields = ["city", "province", "is_active"]


@extend_schema_view(
    list=extend_schema(summary="Centres in the caller's scope", tags=["centres"]),
    retrieve=extend_schema(summary="One centre", tags=["centres"]),
)
class CentreViewSet(ScopedReadOnlyModelViewSet):
    queryset = Centre.objects.select_related("city__province").prefetch_related(
        Prefetch("districts", queryset=District.objects.order_by("number")),
        Prefetch("neighbourhoods", queryset=Neighbourhood.objects.order_by("name")),
    )
    serializer_class = CentreSerializer
    filterset_class = CentreFilter
    search_fields = ["name", "city__name", "neighbourhoods__name"]
    ordering_fields = ["name", "opening_date", "id"]
    ordering = ["name", "id"]
