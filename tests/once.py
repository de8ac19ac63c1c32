"""Rows built once for many tests, and the settings every test runs with."""

import sqlite3
import sys
from contextlib import contextmanager

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection, transaction
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


def built_once(django_db_blocker, tmp_path, build=None, *, demo: bool = False):
    """Body of a module-scoped fixture: run `build()` once, inside a transaction that stays
    open for the module's tests and is rolled back after the last one. Each test's `db`
    runs in a savepoint inside it and rolls back to the built rows (Django's setUpTestData).
    `demo`: on the demo portal (`seed_demo`), which `build` (if any) extends.

    Only for modules without transactional tests (live_server, transactional_db): those
    would run inside the open transaction."""
    with django_db_blocker.unblock():
        before = _demo_copied_in(tmp_path) if demo and _in_memory() else None
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(**settings_for_tests(settings, tmp_path)), imports_storage():
                cache.clear()
                if demo and before is None:
                    seed_demo()
                built = build() if build else None
        except BaseException:
            atomic.__exit__(*sys.exc_info())
            _put_back(before)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            _put_back(before)


# The demo portal, built once per process (each pytest-xdist worker) on SQLite in memory:
# its database copied aside once seeded, and copied in for each module that reads it (the
# SQLite backup API copies pages: milliseconds, where seeding takes seconds).
_DEMO_COPY: list[sqlite3.Connection] = []


def _in_memory() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def _copy(source: sqlite3.Connection, target: sqlite3.Connection | None = None):
    target = target or sqlite3.connect(":memory:", check_same_thread=False)
    source.backup(target)
    return target


def _demo_copied_in(tmp_path) -> sqlite3.Connection:
    """Put the demo into the test database (seeding it the first time); return a copy of
    the database as it was, for `_put_back` after the module."""
    connection.ensure_connection()
    raw = connection.connection
    before = _copy(raw)
    if _DEMO_COPY:
        _copy(_DEMO_COPY[0], raw)
        _forget_ids()
        return before
    try:
        with override_settings(**settings_for_tests(settings, tmp_path)), imports_storage():
            cache.clear()
            with transaction.atomic():
                seed_demo()
                # As inside a test's transaction, work queued for the commit never runs.
                connection.run_on_commit.clear()
    except BaseException:
        _put_back(before)
        raise
    _DEMO_COPY.append(_copy(raw))
    return before


def _put_back(before: sqlite3.Connection | None) -> None:
    if before is not None:
        _copy(before, connection.connection)
        before.close()
        _forget_ids()


def _forget_ids() -> None:
    """The database was replaced under Django: forget the content types it had read (ids of
    the other database, which an admin log entry would then name: a foreign key that fails
    when SQLite checks it)."""
    ContentType.objects.clear_cache()


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
