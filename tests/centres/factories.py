"""factory_boy factories and builders for the centres app: geography, organisations, staff,
neighbourhood indicators, news, meetings and resolutions. Each builds valid rows through the
models' rules or the services, as the admin does."""

import datetime
from decimal import Decimal

import factory
import jdatetime
from django.contrib.auth import get_user_model
from django.utils import timezone

from centres import services as centre_services
from centres.demo import DEMO_PASSWORD
from centres.meetings import meeting_create, resolution_create
from centres.models import (
    Article,
    Centre,
    City,
    Comment,
    District,
    Headquarters,
    Indicator,
    Meeting,
    Neighbourhood,
    Partner,
    Province,
)
from empowerment.kernel.jalali import local_today


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"استان {n}")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("province", "name")

    province = factory.SubFactory(ProvinceFactory)
    name = factory.Sequence(lambda n: f"شهر {n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    city = factory.SubFactory(CityFactory)
    number = factory.Sequence(lambda n: n + 1)


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"محله {n}")
    is_less_privileged = True


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"دستگاه {n}")
    kind = Partner.Kind.RELIEF


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"مرکز {n}")
    city = factory.SubFactory(CityFactory)
    opening_date = jdatetime.date(1400, 10, 20)

    @factory.post_generation
    def neighbourhoods(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            district = DistrictFactory(city=self.city)
            extracted = [NeighbourhoodFactory(district=district)]
            self.districts.add(district)
        self.neighbourhoods.add(*extracted)


class HeadquartersFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Headquarters

    name = factory.Sequence(lambda n: f"قرارگاه {n}")
    level = Headquarters.Level.PROVINCIAL
    province = factory.SubFactory(ProvinceFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "کاربر"
    last_name = factory.Sequence(lambda n: f"آزمون {n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEMO_PASSWORD)
        if create:
            self.save(update_fields=["password"])


def staff_user(username: str, role: str, scope=None):
    """A user with one staff role, assigned through the service like the admin does."""
    user = UserFactory(username=username)
    centre_services.staff_role_assign(user=user, role=role, scope=scope)
    user.refresh_from_db()
    return user


# Neighbourhood indicators and a small two-city geography to compare.


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


# News articles and comments.


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article (dated an hour ago); pass state=Article.State.DRAFT for a draft."""

    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"خبر شماره {n}")
    slug = factory.Sequence(lambda n: f"khabar-{n}")
    lead = "خلاصه خبر"
    body = "متن خبر"
    centre = factory.SubFactory(CentreFactory)
    state = Article.State.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    name = "خواننده"
    text = "دیدگاه آزمایشی"
    ip_address = "10.0.0.1"


# Meetings and resolutions, built through the services.


def make_meeting(body=None, *, days_ago=30, **kwargs) -> Meeting:
    return meeting_create(
        body=body or HeadquartersFactory(),
        date=kwargs.pop("date", local_today() - datetime.timedelta(days=days_ago)),
        venue=kwargs.pop("venue", "سالن شهدای دولت"),
        chair=kwargs.pop("chair", "استاندار"),
        duration_hours=kwargs.pop("duration_hours", 2),
        **kwargs,
    )


def make_resolution(meeting, *, responsible=None, deadline_in_days=10, **kwargs):
    deadline = (
        None
        if deadline_in_days is None
        else local_today() + datetime.timedelta(days=deadline_in_days)
    )
    return resolution_create(
        meeting=meeting,
        text=kwargs.pop("text", "راه‌اندازی مرکز مشاوره و هدایت شغلی"),
        responsible=responsible or PartnerFactory(),
        deadline=kwargs.pop("deadline", deadline),
        **kwargs,
    )
