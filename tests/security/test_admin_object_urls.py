"""Class 1: every admin URL that names an object refuses a person of another scope.

Driven by the admin site's registry: each ModelAdmin, each URL pattern it declares that takes
an object id (change, delete, history list, one old version and its revert, custom views).
For each attacker (demo accounts of the seeded demo) an object they may not see is chosen
for every model; GET must not answer 200, and a POST (change, delete, revert, custom action)
must leave the row and its history as they were. A model with no such object fails the test,
unless it is listed in ALLOWED_EVERYWHERE with its reason: a model added next year is
covered or noticed.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from centres.models import Centre
from centres.scope import ScopedQuerySet, forget_scope
from tests.once import built_once
from trainees.models import CohortInterest, PossibleDuplicate, Trainee, TraineeImport

pytestmark = pytest.mark.django_db

ATTACKERS = [
    "staff.karaj",
    "officer.relief",
    "reviewer.isfahan",
    "secretary.alborz",
    "council.isfahan",
]

# Models every signed-in role may read whole, with the reason. Nothing here holds
# personal data.
ALLOWED_EVERYWHERE: dict[str, str] = {
    "centres.Partner": "partner organisations (Relief Committee...) are reference data",
    "programs.Programme": "the catalogue of training programmes is shared by every centre",
    "trainees.CounsellingTopic": "the list of counselling topics is shared by every centre",
}

# URL parameters that name another model than the ModelAdmin's own.
PARAM_MODELS = {"import_id": "trainees.TraineeImport"}
OWN_PARAMS = {"object_id", "id", "pk", "session_id"}
# URL parameters that are not ids: a value the view acts on (the sharing consent's step).
WORD_PARAMS = {"step": "request"}
# Django admin views that take no object id. "export/" and "import/template/" answer the
# list's own scoped rows and the person's own centres (tests/trainees/test_import_files.py
# attacks them from a foreign centre); "today/": the day's sessions, scoped by visible_to.
NO_OBJECT = {"", "add/", "autocomplete/", "import/", "import/template/", "export/", "today/"}


def _fill_models_the_demo_leaves_empty():
    """Rows of the models the seeded demo has none of, all in Isfahan (scope A)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from rest_framework_simplejwt.tokens import RefreshToken

    from empowerment.kernel.models import AccessRecord, OneTimeCode, OutboxMessage
    from tests.centres.factories import CommentFactory

    isfahan = Centre.objects.get(city__name="اصفهان")
    article = isfahan.articles.first() if hasattr(isfahan, "articles") else None
    CommentFactory(**({"article": article} if article else {}))
    admin_user = get_user_model().objects.get(username="admin")
    TraineeImport.objects.create(
        centre=isfahan,
        uploaded_by=admin_user,
        uploaded_token="t" * 16,
        original_name="trainees.xlsx",
        file_type="xlsx",
        state=TraineeImport.State.PREVIEWED,
    )
    first, second = Trainee.objects.filter(registered_at=isfahan)[:2]
    PossibleDuplicate.objects.create(trainee=first, other=second)
    cohort = isfahan.cohorts.first()
    CohortInterest.objects.create(cohort=cohort, name="متقاضی", mobile="09120000001")
    now = timezone.now()
    OneTimeCode.objects.create(
        mobile="09120000001", code_hash="x", expires_at=now + datetime.timedelta(minutes=2)
    )
    OutboxMessage.objects.create(key="k1", channel="sms", recipient="09120000001", text="کد")
    common = {"user_agent": "ua", "ip_address": "10.0.0.9", "username": "x", "path_info": "/"}
    AccessAttempt.objects.create(
        **common, http_accept="*/*", get_data="", post_data="", failures_since_start=1
    )
    AccessLog.objects.create(**common, http_accept="*/*")
    AccessFailureLog.objects.create(**common, http_accept="*/*")
    # A read of personal data on record, and a refresh token issued then blacklisted.
    AccessRecord.objects.create(
        user=admin_user,
        username="admin",
        action="view",
        channel="admin",
        model="trainees.trainee",
        object_id=str(first.pk),
    )
    refresh = RefreshToken.for_user(admin_user)
    refresh.blacklist()


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo and a row of every model it leaves empty, built once for the module's tests."""

    yield from built_once(
        django_db_blocker,
        tmp_path_factory.mktemp("demo"),
        _fill_models_the_demo_leaves_empty,
        demo=True,
    )


@pytest.fixture
def demo(demo_once, db):
    pass


def _outside(model, attacker):
    """An object of `model` the attacker may not see (never the attacker's own account)."""
    rows = model._default_manager.all()
    if isinstance(rows, ScopedQuerySet):
        rows = rows.exclude(pk__in=rows.visible_to(attacker).values("pk"))
    if model is get_user_model():
        rows = rows.exclude(pk=attacker.pk)
    return rows.order_by("pk").first()


def _object_urls(model_admin):
    """(pattern name, parameter names or None for the history version, its regex groups)."""
    for pattern in model_admin.get_urls():
        route = str(pattern.pattern)
        if route in NO_OBJECT or not pattern.name:
            continue
        if pattern.name.endswith("_simple_history"):
            yield pattern.name, None
            continue
        params = list(pattern.pattern.converters)
        assert params, f"{pattern.name}: a URL without an id that is not known: {route}"
        yield pattern.name, params


def _snapshot(obj):
    """The row's stored values and how many history versions it has."""
    fresh = type(obj)._base_manager.filter(pk=obj.pk).values().first()
    history = getattr(obj, "history", None)
    return fresh, history.count() if history is not None else None


def _hostile_body(obj, attacker_centre):
    """The row's own values as a change form would send them, with every centre
    foreign key pointing at the attacker's centre: the "take it into my scope" POST."""
    data = {}
    for name, value in model_to_dict(obj).items():
        if value is None:
            continue
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, models.Model):
            data[name] = value.pk
        else:
            data[name] = str(value)
    for model_field in obj._meta.concrete_fields:
        if model_field.is_relation and model_field.related_model is Centre and attacker_centre:
            data[model_field.name] = attacker_centre.pk
    data["post"] = "yes"  # the delete page's confirmation
    return data


def test_no_admin_object_url_serves_another_scopes_object(client, demo):
    failures: list[str] = []
    covered_models: set[str] = set()
    requests = 0
    for username in ATTACKERS:
        requests += _attack(client, username, failures, covered_models)
    # Every model that has object URLs was attacked by someone of another scope.
    missing = (
        {
            model._meta.label
            for model, model_admin in admin.site._registry.items()
            if list(_object_urls(model_admin))
        }
        - covered_models
        - set(ALLOWED_EVERYWHERE)
    )
    assert not failures, "\n".join(failures)
    assert not missing, f"no object outside every attacker's scope for: {sorted(missing)}"
    assert requests > 300


def _attack(client, username, failures, covered_models) -> int:
    attacker = get_user_model().objects.get(username=username)
    forget_scope(attacker)
    attacker_centre = Centre.objects.visible_to(attacker).order_by("pk").first()
    client.force_login(attacker)
    covered = 0
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        urls = list(_object_urls(model_admin))
        if not urls:
            continue
        obj = _outside(model, attacker)
        if obj is None:
            continue
        covered_models.add(label)
        history = getattr(obj, "history", None)
        if history is not None and not history.exists():
            obj.save()  # gives the row one version to open
        for name, params in urls:
            if params is None:
                if history is None:
                    continue
                url = reverse(f"admin:{name}", args=[obj.pk, history.first().history_id])
            else:
                kwargs = {}
                for param in params:
                    if param in OWN_PARAMS:
                        kwargs[param] = obj.pk
                    elif param in WORD_PARAMS:
                        kwargs[param] = WORD_PARAMS[param]
                    elif param in PARAM_MODELS:
                        other = _outside(_model(PARAM_MODELS[param]), attacker)
                        assert other is not None, f"no {PARAM_MODELS[param]} outside {username}"
                        kwargs[param] = other.pk
                    else:
                        pytest.fail(f"{name}: parameter {param} names no known model")
                url = reverse(f"admin:{name}", kwargs=kwargs)
            covered += 2
            got = client.get(url)
            if got.status_code not in (302, 403, 404):
                failures.append(f"GET {url} ({label}) answered {got.status_code}")
            before = _snapshot(obj)
            posted = client.post(url, _hostile_body(obj, attacker_centre))
            if posted.status_code not in (302, 403, 404):
                failures.append(f"POST {url} ({label}) answered {posted.status_code}")
            if _snapshot(obj) != before:
                failures.append(f"POST {url} ({label}) changed the row")
    return covered


def _model(label):
    from django.apps import apps

    return apps.get_model(label)


def test_a_revert_needs_the_right_to_change_the_row(client, demo):
    """django-simple-history saved a revert for anyone who may view history: the reviewer
    reads the ideas of the calls they review, and must not rewrite one."""
    from programs.models import Idea

    reviewer = get_user_model().objects.get(username="reviewer.isfahan")
    idea = Idea.objects.visible_to(reviewer).order_by("pk").first()
    assert idea is not None
    version = idea.history.order_by("history_id").first()
    client.force_login(reviewer)
    url = reverse("admin:programs_idea_simple_history", args=[idea.pk, version.history_id])
    before = _snapshot(idea)
    body = _hostile_body(idea, None)
    body["title"] = "بازنویسی شده"
    response = client.post(url, body)
    assert response.status_code == 403
    assert _snapshot(idea) == before


def test_a_revert_keeps_what_the_form_does_not_offer(client, demo):
    """An old version whose trainee was registered at another centre: the revert may
    change what the change form offers, never bring back the foreign centre."""
    karaj = Centre.objects.get(city__name="کرج")
    staff = get_user_model().objects.get(username="staff.karaj")
    trainee = Trainee.objects.filter(registered_at__city__name="اصفهان").order_by("pk").first()
    old_version = trainee.history.order_by("history_id").last()
    trainee.registered_at = karaj
    trainee.save()
    client.force_login(staff)
    url = reverse(
        "admin:trainees_trainee_simple_history", args=[trainee.pk, old_version.history_id]
    )
    page = client.get(url)
    assert page.status_code == 200
    # The form does not offer the registering centre to this user: readonly for the test.
    from trainees.admin.registry import TraineeAdmin

    original = TraineeAdmin.get_readonly_fields
    TraineeAdmin.get_readonly_fields = lambda self, request, obj=None: ["registered_at"]
    try:
        body = _hostile_body(trainee, None)
        body.pop("registered_at")
        body.pop("neighbourhood", None)
        body["birth_date"] = ""
        response = client.post(url, body)
    finally:
        TraineeAdmin.get_readonly_fields = original
    assert response.status_code == 302, response.context["adminform"].form.errors
    trainee.refresh_from_db()
    assert trainee.registered_at_id == karaj.pk
