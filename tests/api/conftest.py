import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from rest_framework.test import APIClient

from empowerment.wsgi import application
from tests.centres.factories import CentreFactory, CityFactory, staff_user


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """An APIClient signed in as `user` (force_authenticate: the token flow has its tests)."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def demo_centres(db):
    """Isfahan (two centres in the city) and Karaj, with staff and a council member."""
    isfahan_city = CityFactory(name="اصفهان", province__name="اصفهان")
    karaj_city = CityFactory(name="کرج", province__name="البرز")
    isfahan = CentreFactory(name="مرکز توانمندسازی منطقه ۱۰ و ۱۴", city=isfahan_city)
    jolfa = CentreFactory(name="مرکز جلفا", city=isfahan_city, is_active=False)
    karaj = CentreFactory(name="مرکز کرج", city=karaj_city)
    return {
        "isfahan": isfahan,
        "jolfa": jolfa,
        "karaj": karaj,
        "staff_isfahan": staff_user("staff.isfahan", "centre_staff", isfahan),
        "staff_karaj": staff_user("staff.karaj", "centre_staff", karaj),
        "council_isfahan": staff_user("council.isfahan", "council_member", isfahan_city),
    }


@pytest.fixture
def api_schema(db):
    # Calling the WSGI app directly fires request_started/finished, whose
    # close_old_connections would close the test's open transaction on PostgreSQL; Django's
    # own test client disconnects it the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
