"""The other half of tests/empowerment/test_replica.py: run in a subprocess whose
DATABASE_URL is a real primary and DATABASE_REPLICA_URL its streaming standby.

It builds a little portal on the primary (committed: no test transaction here), waits for the
standby to replay it, sends requests through Django's test client, and prints one JSON
object of what it saw: which server each alias is (pg_is_in_recovery), how many queries each
request sent to each alias, and which enrolments each person's list showed while the
standby's replay was paused (so the standby is a known moment behind the primary).
"""

import json
import os
import sys
import time
from contextlib import ExitStack, contextmanager

import django

STARTED = time.monotonic()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empowerment.settings")
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from empowerment.dashboards.summaries import summaries_refresh  # noqa: E402
from empowerment.kernel import replicas  # noqa: E402
from empowerment.kernel.replicas import PRIMARY, REPLICA, pin_cache_key  # noqa: E402
from tests.centres.factories import CentreFactory, staff_user  # noqa: E402
from tests.programs.factories import CohortFactory  # noqa: E402
from tests.trainees.factories import TraineeFactory  # noqa: E402

ENROLMENTS = "/api/v1/enrolments/"


def scalar(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_for_replay(timeout: float = 20) -> float:
    """Until the standby has replayed everything the primary wrote so far; seconds waited."""
    target = scalar(PRIMARY, "SELECT pg_current_wal_lsn()::text")
    started = time.monotonic()
    while not scalar(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        if time.monotonic() - started > timeout:
            raise SystemExit(f"the standby did not replay {target} within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


@contextmanager
def counted(tally: dict):
    """Count the queries each alias runs inside the block."""

    def counter(alias):
        def wrapper(execute, sql, params, many, context):
            tally[alias] = tally.get(alias, 0) + 1
            return execute(sql, params, many, context)

        return wrapper

    with ExitStack() as stack:
        for alias in (PRIMARY, REPLICA):
            stack.enter_context(connections[alias].execute_wrapper(counter(alias)))
        yield tally


WRITES: list[str] = []
_note_write = replicas.note_write


def _noting_write(model=None) -> None:
    WRITES.append(model._meta.label_lower if model else "?")
    _note_write(model)


replicas.note_write = _noting_write  # the router calls it by the module's name


def request(client, method: str, path: str, **kwargs) -> dict:
    tally: dict = {}
    WRITES.clear()
    with counted(tally):
        response = getattr(client, method)(path, **kwargs)
    seen = {"status": response.status_code, "primary": tally.get(PRIMARY, 0)}
    seen["replica"] = tally.get(REPLICA, 0)
    seen["writes"] = sorted(set(WRITES))
    if path == ENROLMENTS and method == "get" and response.status_code == 200:
        seen["trainees"] = sorted(row["trainee"] for row in response.json()["results"])
    return seen


def api_client(user) -> APIClient:
    """A mobile client: a bearer token and no cookie jar worth the name (a fresh client)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def main() -> None:
    setup_test_environment()  # ALLOWED_HOSTS for the test client's "testserver"
    started = time.monotonic()
    out: dict = {"seconds": {"django": started - STARTED}}
    centre = CentreFactory()
    writer = staff_user("replica.writer", "centre_staff", centre)
    colleague = staff_user("replica.colleague", "centre_staff", centre)
    cohort = CohortFactory(centre=centre)
    first, second = TraineeFactory.create_batch(2, registered_at=centre)
    out["first"], out["second"] = first.pk, second.pk
    out["seconds"]["rows"] = time.monotonic() - started
    # Built as beat would, so that no page builds them on its first view (a write).
    summaries_refresh()
    out["waited_for_replay"] = wait_for_replay()
    out["seconds"]["built"] = time.monotonic() - started
    out["in_recovery"] = {
        alias: scalar(alias, "SELECT pg_is_in_recovery()") for alias in (PRIMARY, REPLICA)
    }

    browser = Client()
    browser.force_login(writer)
    out["reads"] = {
        "public": request(Client(), "get", "/"),
        "dashboard": request(browser, "get", "/dashboard/overview/"),
        "api": request(api_client(writer), "get", ENROLMENTS),
        "admin": request(browser, "get", "/admin/"),
    }

    out["seconds"]["read"] = time.monotonic() - started
    # From here the standby stays at this moment: whatever is written now exists only on the
    # primary, so a list that shows it was read there.
    scalar(REPLICA, "SELECT pg_wal_replay_pause()::text")
    out["api_write"] = request(
        api_client(writer),
        "post",
        ENROLMENTS,
        data={"trainee": first.pk, "cohort": cohort.pk},
        format="json",
    )
    out["after_api_write"] = {
        # A fresh client with the same token: no cookie, the pin is the cache's, by user.
        "writer": request(api_client(writer), "get", ENROLMENTS),
        "colleague": request(api_client(colleague), "get", ENROLMENTS),
    }
    out["browser_write"] = request(
        browser,
        "post",
        ENROLMENTS,
        data=json.dumps({"trainee": second.pk, "cohort": cohort.pk}),
        content_type="application/json",
    )
    cache.delete(pin_cache_key(writer.pk))  # only the browser's cookie pins the writer now
    out["after_browser_write"] = {
        "writer": request(browser, "get", ENROLMENTS),
        "colleague": request(api_client(colleague), "get", ENROLMENTS),
    }

    scalar(REPLICA, "SELECT pg_wal_replay_resume()::text")
    wait_for_replay()
    pin = int(os.environ["DATABASE_REPLICA_PIN_SECONDS"])
    time.sleep(pin + 0.2)  # the pin's end is a moment in time: nothing to wait on but the clock
    out["after_replay_and_pin"] = {
        "writer": request(browser, "get", ENROLMENTS),
        "colleague": request(api_client(colleague), "get", ENROLMENTS),
    }
    out["seconds"]["done"] = time.monotonic() - started
    for alias in (PRIMARY, REPLICA):
        connections[alias].close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
