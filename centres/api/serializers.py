from rest_framework import serializers

from centres.models import Centre, District, Neighbourhood
from empowerment.api.serializers import ModelSerializer


class DistrictSerializer(ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "number", "name"]


class NeighbourhoodSerializer(ModelSerializer):
    district = serializers.IntegerField(source="district_id", read_only=True)

    class Meta:
        model = Neighbourhood
        fields = ["id", "name", "district", "is_less_privileged"]


class CentreSerializer(ModelSerializer):
    city = serializers.IntegerField(source="city_id", read_only=True)
    city_name = serializers.CharField(source="city.name", read_only=True)
    province = serializers.IntegerField(source="city.province_id", read_only=True)
    province_name = serializers.CharField(source="city.province.name", read_only=True)
    districts = DistrictSerializer(many=True, read_only=True)
    neighbourhoods = NeighbourhoodSerializer(many=True, read_only=True)

    class Meta:
        model = Centre
        fields = [
            "id",
            "name",
            "city",
            "city_name",
            "province",
            "province_name",
            "districts",
            "neighbourhoods",
            "opening_date",
            "address",
            "phone",
            "is_active",
        ]
        jalali_fields = ["opening_date"]
