"""Where each read goes (empowerment/kernel/replicas.py), decided without a database: the real
pair is tests/empowerment/test_replica.py."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from empowerment.kernel import replicas
from empowerment.kernel.models import AccessRecord
from empowerment.kernel.replicas import PIN_COOKIE, PRIMARY, REPLICA, PrimaryReplicaRouter
from trainees.models import Trainee


@pytest.fixture(autouse=True)
def configured(monkeypatch):
    monkeypatch.setattr(replicas, "replica_configured", lambda: True)


def _serve(request, view):
    """Run `view(request)` inside the middleware; return (what the view saw, response)."""
    seen = {}

    def get_response(request):
        seen.update(view(request) or {})
        return HttpResponse()

    response = replicas.ReplicaRoutingMiddleware(get_response)(request)
    return seen, response


def _reads(request) -> dict:
    return {"trainee": replicas.read_alias(Trainee), "session": replicas.read_alias(Session)}


def _get(path="/dashboard/overview/", user=None, **extra):
    request = RequestFactory().get(path, **extra)
    request.user = user or AnonymousUser()
    return request


def test_outside_a_request_everything_is_on_the_primary():
    # A Celery task, a management command, a shell: nothing opened a request's state.
    router = PrimaryReplicaRouter()
    assert router.db_for_read(Trainee) == PRIMARY
    assert router.db_for_write(Trainee) == PRIMARY
    assert router.allow_migrate(REPLICA, "trainees") is False
    assert router.allow_migrate(PRIMARY, "trainees") is True


@pytest.mark.parametrize("path", ["/", "/dashboard/overview/", "/api/v1/enrolments/"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_a_read_request_reads_the_replica_but_fresh_models_on_the_primary(path, method):
    request = getattr(RequestFactory(), method)(path)
    request.user = AnonymousUser()
    seen, response = _serve(request, _reads)
    assert seen == {"trainee": REPLICA, "session": PRIMARY}
    assert PIN_COOKIE not in response.cookies
    for model in (User, AccessRecord):
        assert replicas._primary_model(model)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_request_reads_the_primary_throughout(method):
    request = getattr(RequestFactory(), method)("/api/v1/enrolments/")
    request.user = AnonymousUser()
    assert _serve(request, _reads)[0]["trainee"] == PRIMARY


def test_the_admin_reads_the_primary():
    assert _serve(_get("/admin/trainees/trainee/"), _reads)[0]["trainee"] == PRIMARY


# transactional_db: the test's own transaction would send every read to the primary.
@pytest.mark.django_db(transaction=True)
def test_a_read_after_a_write_in_the_same_request_goes_to_the_primary_and_pins_the_person():
    user = User.objects.create(username="writer")

    def view(request):
        before = replicas.read_alias(Trainee)
        PrimaryReplicaRouter().db_for_write(Trainee)
        return {"before": before, "after": replicas.read_alias(Trainee)}

    seen, response = _serve(_get(user=user), view)
    assert seen == {"before": REPLICA, "after": PRIMARY}
    until = float(response.cookies[PIN_COOKIE].value)
    assert time.time() < until <= time.time() + 10
    assert cache.get(replicas.pin_cache_key(user.pk)) == pytest.approx(until, abs=0.01)

    # The next request: the cookie pins a browser; the cache pins an API client by user.
    assert _serve(_get(HTTP_COOKIE=f"{PIN_COOKIE}={until}"), _reads)[0]["trainee"] == PRIMARY
    assert _serve(_get(user=user), _reads)[0]["trainee"] == PRIMARY
    other = User.objects.create(username="colleague")
    assert _serve(_get(user=other), _reads)[0]["trainee"] == REPLICA


@pytest.mark.django_db(transaction=True)
def test_writes_of_fresh_models_pin_no_one():
    user = User.objects.create(username="reader")

    def view(request):
        # A session's activity stamp, an access record: read on the primary anyway.
        for model in (Session, AccessRecord, User):
            PrimaryReplicaRouter().db_for_write(model)
        return _reads(request)

    seen, response = _serve(_get(user=user), view)
    assert seen["trainee"] == REPLICA
    assert PIN_COOKIE not in response.cookies
    assert cache.get(replicas.pin_cache_key(user.pk)) is None


# "an hour ahead" is computed in the test: a time in the parameters would give each
# pytest-xdist worker another test id, and xdist refuses to run differing collections.
@pytest.mark.parametrize("value", ["garbage", "0", "an hour ahead"])
def test_a_stale_or_forged_pin_cookie_is_ignored(value):
    if value == "an hour ahead":
        value = str(time.time() + 3600)
    # Forged far ahead it would only cost the replica a reader; it is bounded anyway.
    assert _serve(_get(HTTP_COOKIE=f"{PIN_COOKIE}={value}"), _reads)[0]["trainee"] == REPLICA


@pytest.mark.django_db
def test_a_read_inside_a_transaction_on_the_primary_reads_the_primary():
    # (The test's own transaction is open: a service's atomic block is the same case.)
    assert _serve(_get(), _reads)[0]["trainee"] == PRIMARY


def test_without_a_replica_the_middleware_steps_aside(monkeypatch):
    monkeypatch.setattr(replicas, "replica_configured", lambda: False)
    assert _serve(_get(), _reads)[0]["trainee"] == PRIMARY
