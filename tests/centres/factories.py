"""factory_boy factories for every app; each builds valid rows through the models' rules."""

import factory
import jdatetime
from django.contrib.auth import get_user_model

from centres import services as centre_services
from centres.demo import DEMO_PASSWORD
from centres.models import Centre, City, District, Headquarters, Neighbourhood, Partner, Province


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
