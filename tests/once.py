"""Rows built once for many tests, and the settings every test runs with."""

import sys
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from trainees.models import TraineeImport


def settings_for_tests(settings, tmp_path) -> dict:
    """The settings every test runs with (`settings`: the ones to extend)."""
    return {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "MEDIA_ROOT": tmp_path / "media",
        "PRIVATE_MEDIA_ROOT": tmp_path / "private_media",
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            "imports": {
                **settings.STORAGES["imports"],
                "OPTIONS": {
                    **settings.STORAGES["imports"]["OPTIONS"],
                    "location": tmp_path / "private_media",
                },
            },
        },
        "CELERY_TASK_ALWAYS_EAGER": True,
        "AXES_ENABLED": False,
        # The growing sign-in wait (tests/security/test_signin_delay.py turns it on).
        "SIGNIN_DELAY_ENABLED": False,
        # The admin's and the API's second factor: tests/security and the browser tests turn
        # it on.
        "ADMIN_SECOND_FACTOR": False,
        # Throttles count in the cache: start each test from zero, with rates no ordinary test
        # reaches (the throttling tests set their own low rates).
        "API_THROTTLE_RATES": {scope: "10000/minute" for scope in settings.API_THROTTLE_RATES},
    }


@contextmanager
def imports_storage():
    # A FileField builds its storage once, at import: point it at the current settings' folder.
    field = TraineeImport._meta.get_field("file")
    before = field.storage
    field.storage = storages["imports"]
    try:
        yield
    finally:
        field.storage = before


def built_once(django_db_blocker, tmp_path, build):
    """Body of a module-scoped fixture: run `build()` once, inside a transaction that stays
    open for the module's tests and is rolled back after the last one. Each test's `db`
    runs in a savepoint inside it and rolls back to the built rows (Django's setUpTestData).

    Only for modules without transactional tests (live_server, transactional_db): those
    would run inside the open transaction."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(**settings_for_tests(settings, tmp_path)), imports_storage():
                cache.clear()
                built = build()
        except BaseException:
            atomic.__exit__(*sys.exc_info())
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def committed_once(django_db_blocker, tmp_path, build):
    """Body of a module-scoped fixture for tests a live server answers (its own connection
    reads only committed rows): run `build()` once and commit; flush the database after the
    module's last test, as pytest-django's transactional tests leave it. The module's tests
    must only read those rows, and get their database through this fixture (override
    `transactional_db`, which would flush after each test)."""
    with django_db_blocker.unblock():
        with override_settings(**settings_for_tests(settings, tmp_path)), imports_storage():
            cache.clear()
            built = build()
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


def seed_demo():
    call_command("seed_demo", verbosity=0)
