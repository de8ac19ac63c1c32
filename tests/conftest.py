"""Test configuration: the test-only overrides live here, not in a second settings tree."""

import fcntl
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils.translation import trans_real

from centres.demo import DEMO_PASSWORD
from tests.centres.factories import CentreFactory, staff_user
from tests.once import built_once, imports_storage, settings_for_tests

ROOT = Path(__file__).resolve().parents[1]
BROWSER_TESTS = ROOT / "tests" / "browser"


def pytest_collection_modifyitems(items):
    # Every test of tests/browser/ drives Chromium: one rule instead of a marker per file.
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


def pytest_collection_finish(session):
    # Only the wording tests read the Persian catalogues; every other test checks codes and
    # states, and runs without them. Compile any catalogue that is missing or older than its
    # .po when the run (after -m and -k) has a wording test, so that a bare `pytest` runs as
    # `make test` does.
    if any(item.get_closest_marker("wording") for item in session.items):
        compile_catalogues()


def compile_catalogues():
    catalogues = [
        *ROOT.glob("locale/*/LC_MESSAGES/*.po"),
        *ROOT.glob("*/locale/*/LC_MESSAGES/*.po"),
    ]
    # pytest-xdist workers collect at the same time: one compiles, the others wait for it
    # (the lock is held on this file, which every checkout has).
    with open(__file__) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if any(
            not po.with_suffix(".mo").exists()
            or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
            for po in catalogues
        ):
            call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
        # Read them afresh: a module imported before may have looked for them already.
        trans_real._translations = {}
        trans_real._default = None


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    for name, value in settings_for_tests(settings, tmp_path).items():
        setattr(settings, name, value)
    cache.clear()
    from empowerment.kernel.sms import ConsoleSMSBackend

    ConsoleSMSBackend.outbox.clear()
    with imports_storage():
        yield


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo portal (`seed_demo`), built once for the module (see built_once)."""
    yield from built_once(django_db_blocker, tmp_path_factory.mktemp("demo"), demo=True)


@pytest.fixture
def demo(demo_once, db):
    """The demo for a test that reads it: built once for the module (`demo_once`), each
    test's own writes rolled back after it."""


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
