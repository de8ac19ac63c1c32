"""The test run's environment, set before pytest-django imports the settings.

Loaded as a plugin (`-p tests.pytest_env` in pyproject.toml), because pytest-django loads the
settings before any conftest.py is read. The settings default to production (debug off, a
strong key required); the suite asks for debug explicitly, as `make run` does, and brings a
test-only key. Values already in the environment win, so a run can still choose.
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
)


# A replica lags its primary: tests read and write one database (the replica's test alias
# mirrors it anyway). tests/empowerment/test_replica.py gives its subprocess a real pair.
os.environ.pop("DATABASE_REPLICA_URL", None)


def _redis_db_for_worker(url: str, worker: str) -> str:
    """The Redis URL of one pytest-xdist worker: worker gwK uses database N-K (modulo 16)
    of REDIS_URL's N. The tests flush their cache and Celery uses the broker, so two workers
    must never share a database: REDIS_URL=redis://host/15 gives gw0 15 and gw1 14."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{(base - number) % 16}"))


if os.environ.get("REDIS_URL") and os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["REDIS_URL"] = _redis_db_for_worker(
        os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"]
    )
