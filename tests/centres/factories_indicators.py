"""Factories for neighbourhood indicators and a small two-city geography to compare."""

from decimal import Decimal

import factory

from centres.models import Indicator
from tests.centres.factories import (
    CentreFactory,
    CityFactory,
    DistrictFactory,
    NeighbourhoodFactory,
)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    neighbourhood = factory.SubFactory(NeighbourhoodFactory)
    year = 1403
    quarter = None
    population = 10000
    youth_share = Decimal("25.00")
    over_65_share = Decimal("7.00")
    unemployment_rate = Decimal("12.00")
    addiction_level = 2
    poverty_level = 2
    unemployment_level = 2
    insecurity_level = 1


def isfahan_and_karaj():
    """Isfahan (Districts 14, 10, 3; a centre for 14 and 10) and Karaj, with figures.

    District 14 has the youngest population and the fewest people over 65, as in DOMAIN.md.
    """
    isfahan = CityFactory(name="اصفهان", province__name="اصفهان")
    karaj = CityFactory(name="کرج", province__name="البرز")
    d14 = DistrictFactory(city=isfahan, number=14, name="منطقه ۱۴")
    d10 = DistrictFactory(city=isfahan, number=10, name="منطقه ۱۰")
    d3 = DistrictFactory(city=isfahan, number=3, name="منطقه ۳")
    k5 = DistrictFactory(city=karaj, number=5, name="منطقه ۵")
    n = {
        "hesseh": NeighbourhoodFactory(district=d14, name="حصه"),
        "jolvan": NeighbourhoodFactory(district=d14, name="جلوان"),
        "arzanan": NeighbourhoodFactory(district=d10, name="ارزنان"),
        "jolfa": NeighbourhoodFactory(district=d3, name="جلفا", is_less_privileged=False),
        "eslamabad": NeighbourhoodFactory(district=k5, name="اسلام‌آباد"),
    }
    figures = {
        # population, youth %, over 65 %, unemployment %, addiction level
        "hesseh": (30000, "32.00", "4.00", "18.00", 3),
        "jolvan": (10000, "28.00", "6.00", "14.00", 1),
        "arzanan": (20000, "26.00", "7.00", "13.00", 2),
        "jolfa": (15000, "20.00", "12.00", "9.00", 1),
        "eslamabad": (40000, "29.00", "5.00", "16.00", 4),
    }
    for key, (population, youth, old, unemployment, addiction) in figures.items():
        IndicatorFactory(
            neighbourhood=n[key],
            year=1403,
            population=population,
            youth_share=Decimal(youth),
            over_65_share=Decimal(old),
            unemployment_rate=Decimal(unemployment),
            addiction_level=addiction,
        )
        # A year later unemployment fell by two points everywhere.
        IndicatorFactory(
            neighbourhood=n[key],
            year=1404,
            population=population + 1000,
            youth_share=Decimal(youth),
            over_65_share=Decimal(old),
            unemployment_rate=Decimal(unemployment) - 2,
            addiction_level=addiction,
        )
    centre = CentreFactory(
        name="مرکز مناطق ۱۰ و ۱۴",
        city=isfahan,
        neighbourhoods=[n["hesseh"], n["jolvan"], n["arzanan"]],
    )
    centre.districts.set([d14, d10])
    return {
        "isfahan": isfahan,
        "karaj": karaj,
        "districts": {"d14": d14, "d10": d10, "d3": d3, "k5": k5},
        "neighbourhoods": n,
        "centre": centre,
    }
