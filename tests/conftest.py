"""Test configuration: the test-only overrides live here, not in a second settings tree."""

import pytest
from django.core.cache import cache

from centres.demo import DEMO_PASSWORD
from tests.centres.factories import CentreFactory, staff_user


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "imports": {
            **settings.STORAGES["imports"],
            "OPTIONS": {
                **settings.STORAGES["imports"]["OPTIONS"],
                "location": tmp_path / "private_media",
            },
        },
    }
    # A FileField builds its storage once, at import: point it at this test's folder.
    from django.core.files.storage import storages

    from trainees.models import TraineeImport

    monkeypatch.setattr(TraineeImport._meta.get_field("file"), "storage", storages["imports"])
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.AXES_ENABLED = False
    # The growing sign-in wait (tests/security/test_signin_delay.py turns it on).
    settings.SIGNIN_DELAY_ENABLED = False
    # The admin's and the API's second factor: tests/security and the browser tests turn it on.
    settings.ADMIN_SECOND_FACTOR = False
    # Throttles count in the cache: start each test from zero, with rates no ordinary test
    # reaches (the throttling tests set their own low rates).
    settings.API_THROTTLE_RATES = {scope: "10000/minute" for scope in settings.API_THROTTLE_RATES}
    cache.clear()
    from empowerment.kernel.sms import ConsoleSMSBackend

    ConsoleSMSBackend.outbox.clear()


@pytest.fixture
def password():
    return DEMO_PASSWORD


@pytest.fixture
def two_centres(db):
    """Two centres in two provinces, each with a member of staff."""
    isfahan = CentreFactory(name="مرکز اصفهان", city__name="اصفهان", city__province__name="اصفهان")
    karaj = CentreFactory(name="مرکز کرج", city__name="کرج", city__province__name="البرز")
    staff_isfahan = staff_user("staff.a", "centre_staff", isfahan)
    staff_karaj = staff_user("staff.b", "centre_staff", karaj)
    return {
        "isfahan": isfahan,
        "karaj": karaj,
        "staff_isfahan": staff_isfahan,
        "staff_karaj": staff_karaj,
    }
