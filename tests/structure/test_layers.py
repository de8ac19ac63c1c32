"""The layers (README, "Layout"): configuration > composition > trainees > programs > centres >
kernel. `make lint` checks the imports (import-linter); what it cannot see is checked here:
string model references, imports hidden inside functions, and the names a deployment uses
from outside the code (task names, the SMS backend's dotted path, tables and app labels)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.apps import apps

from empowerment.celery import app as celery_app
from empowerment.kernel import sms

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("empowerment", "centres", "programs", "trainees")

# Lowest first; a module belongs to the longest prefix that matches it.
LAYERS = [
    ("kernel", ("empowerment.kernel", "django", "rest_framework", "simple_history", "axes")),
    ("centres", ("centres",)),
    ("programs", ("programs",)),
    ("trainees", ("trainees",)),
    ("composition", ("empowerment.api", "empowerment.dashboards", "empowerment.public")),
]


def layer_of(module: str) -> int | None:
    best = None
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    return None if best is None else best[0]


def project_files() -> list[Path]:
    files = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / f for f in files if f.split("/")[0] in PACKAGES and "/migrations/" not in f]


def test_the_layers_table_knows_every_model_of_the_project():
    for model in apps.get_models():
        if model.__module__.split(".")[0] in PACKAGES:
            assert layer_of(model.__module__) is not None, model


def test_no_model_relation_points_up_the_layers():
    """A foreign key, one-to-one or many-to-many (the model's own, not reverse ones) may only
    point to a model of the same layer or one below it: a string reference such as
    "trainees.Enrolment" is invisible to import-linter but ties the tables all the same."""
    upward = []
    for model in apps.get_models():
        source = layer_of(model.__module__)
        if source is None or model.__module__.split(".")[0] not in PACKAGES:
            continue
        for field in model._meta.get_fields():
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            target = layer_of(field.related_model.__module__)
            if target is not None and target > source:
                upward.append(
                    f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
                )
    assert upward == []


def test_no_import_sits_inside_a_function():
    """Imports are at the top of the module, where the layers contract sees them; only
    AppConfig.ready imports (the models are loaded only then)."""
    found = []
    for path in project_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "ready":
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        found.append(f"{path.relative_to(ROOT)}:{inner.lineno} in {node.name}")
    assert found == []


def test_every_task_is_named_explicitly():
    """Messages already queued and beat entries name tasks; a name derived from the module
    would change with a move."""
    unnamed = []
    for path in project_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    call = decorator if isinstance(decorator, ast.Call) else None
                    name = getattr(call.func if call else decorator, "id", None) or getattr(
                        call.func if call else decorator, "attr", None
                    )
                    if name in {"shared_task", "task"} and not (
                        call and any(k.arg == "name" for k in call.keywords)
                    ):
                        unnamed.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert unnamed == []


# The names tasks had before the kernel moved (messages in a broker and beat's schedule
# carry them): each still resolves.
NAMES_BEFORE_THE_MOVES = [
    "empowerment.tasks.outbox_send",
    "empowerment.outbox_sweep",
    "empowerment.tokens_flush_expired",
    "empowerment.retention_sweep",
    "empowerment.dashboards.tasks.dashboards_refresh_summaries",
    "centres.overdue_digest",
    "trainees.import_apply",
    "trainees.import_sweep",
    "trainees.import_files_purge",
    "trainees.session_reminders",
]


@pytest.mark.parametrize("name", NAMES_BEFORE_THE_MOVES)
def test_task_names_from_before_the_moves_still_resolve(name):
    assert name in celery_app.tasks


def test_every_beat_entry_names_a_registered_task():
    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks


@pytest.mark.parametrize(
    "configured",
    ["empowerment.sms.ConsoleSMSBackend", "empowerment.kernel.sms.ConsoleSMSBackend"],
)
def test_the_sms_backend_is_found_by_its_old_and_its_new_path(settings, configured):
    settings.SMS_BACKEND = configured
    assert isinstance(sms.get_sms_backend(), sms.ConsoleSMSBackend)


def test_moved_models_keep_their_app_label_and_table():
    """The kernel's models and the dashboards' summary tables changed package, not label:
    tables, content types and permissions (the dashboards open with a summary table's view
    permission) are the ones deployments have."""
    kept = {
        "empowerment.kernel.models": ["OneTimeCode", "OutboxMessage", "AccessRecord"],
        "empowerment.dashboards.models": [
            "TrainingSummary",
            "IdeaSummary",
            "HeadquartersSummary",
            "TrainingRollup",
            "IdeaRollup",
            "HeadquartersRollup",
            "IndicatorSummary",
            "IndicatorDistrictSummary",
            "JalaliDay",
            "SummaryState",
        ],
    }
    for module, names in kept.items():
        for name in names:
            model = apps.get_model("empowerment", name)
            assert model.__module__ == module
            assert model._meta.db_table == f"empowerment_{name.lower()}"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_lint_fails_on_an_import_up_the_layers(tmp_path):
    """In a scratch copy of the tree, an import from the kernel up to the registry makes
    `make lint` fail and name the contract; the copy as it is passes."""
    scratch = tmp_path / "tree"
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in files:
        source = ROOT / name
        if source.is_file():
            target = scratch / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)  # keeps mtimes: make sees the install as done
    for link in (".venv", "node_modules"):
        os.symlink((ROOT / link).resolve(), scratch / link)
    env = {**os.environ, "DJANGO_DEBUG": "1"}

    def lint() -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "--no-print-directory", "lint"],
            cwd=scratch,
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )

    clean = lint()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    kernel_module = scratch / "empowerment" / "kernel" / "persian.py"
    source = kernel_module.read_text(encoding="utf-8")
    last_import = max(
        node.end_lineno
        for node in ast.parse(source).body
        if isinstance(node, ast.Import | ast.ImportFrom)
    )
    lines = source.splitlines(keepends=True)
    lines.insert(last_import, "from trainees.models import Trainee  # noqa: F401\n")
    kernel_module.write_text("".join(lines), encoding="utf-8")
    # Sorted and formatted as a developer's editor would, so only the layers can object.
    ruff = str(ROOT / ".venv" / "bin" / "ruff")
    subprocess.run([ruff, "check", "--fix", "--select", "I", str(kernel_module)], cwd=scratch)
    subprocess.run([ruff, "format", str(kernel_module)], cwd=scratch, check=True)
    broken = lint()
    assert broken.returncode != 0
    assert "empowerment.kernel.persian -> trainees.models" in broken.stdout
