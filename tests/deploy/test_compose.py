"""docker-compose.yml, the Dockerfile, nginx and gunicorn's config, read as files.

No container engine runs here (nor in CI), so the deployment files are checked by reading
them: the start order, health checks, the unprivileged user, that the image is built by
bin/build (the build `make prod-check` runs), and that the environment compose gives the
app is enough for the settings to start in production.
"""

import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ["migrate", "web", "worker", "beat"]
LONG_RUNNING = ["web", "worker", "beat"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} and $$, with `env` as the .env file."""

    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if op == ":?" and not env.get(name):
            raise LookupError(name)
        if op == ":-" and not env.get(name):
            return arg
        return env.get(name, "")

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, value).replace("$$", "$")


def app_environment(service: dict, env: dict[str, str]) -> dict[str, str]:
    return {key: interpolate(str(value), env) for key, value in service["environment"].items()}


def test_services_and_postgres_major_version(services):
    assert set(services) >= {"postgres", "redis", "nginx", *APP_SERVICES}
    # The CI's major version, so that dumps move between them.
    assert services["postgres"]["image"] == "postgres:15"


def test_every_service_has_a_health_check(services):
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), name


def test_migrations_run_once_before_anything_uses_the_schema(services):
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["command"][-3:] == ["manage.py", "migrate", "--noinput"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in LONG_RUNNING:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_app_services_share_the_image_and_the_environment(services):
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert all(environment == environments[0] for environment in environments)
    assert services["web"]["command"] == ["gunicorn", "-c", "gunicorn.conf.py"]
    # Only nginx is published; gunicorn is reached through it.
    assert "ports" not in services["web"]
    assert services["nginx"]["ports"]


def test_compose_refuses_to_start_without_its_secrets(services):
    for missing in ["DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"]:
        env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "POSTGRES_PASSWORD": "x" * 24}
        del env[missing]
        with pytest.raises(LookupError):
            app_environment(services["web"], env)


def test_compose_environment_starts_the_settings_in_production(services):
    """The settings load from exactly what compose gives: debug off, one proxy, hosts set."""
    env = app_environment(
        services["web"],
        {"DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "POSTGRES_PASSWORD": "p" * 24},
    )
    assert env["DJANGO_DEBUG"] == "0"
    script = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.NUM_PROXIES, bool(s.ALLOWED_HOSTS), s.SECURE_SSL_REDIRECT, "
        "s.SECURE_PROXY_SSL_HEADER, s.DATABASES['default']['ENGINE'], bool(s.REDIS_URL))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "empowerment.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=4)[:4] == ["False", "1", "True", "True"]
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in result.stdout
    assert "postgresql" in result.stdout and result.stdout.strip().endswith("True")


def test_nginx_is_the_one_proxy_and_serves_media(services):
    nginx = services["nginx"]
    mounts = nginx["volumes"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in mounts
    assert "media:/app/media:ro" in mounts
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    # Set by nginx, not passed on from the client: the app trusts exactly these.
    assert re.search(r"proxy_set_header X-Forwarded-Proto \$scheme;", conf)
    assert re.search(r"proxy_set_header X-Forwarded-For \$remote_addr;", conf)
    assert re.search(r"proxy_set_header Host \$http_host;", conf)
    media = re.search(r"location /media/ \{(.*?)\}", conf, re.S).group(1)
    assert "alias /app/media/;" in media
    assert "X-Content-Type-Options nosniff" in media
    assert services["web"]["environment"]["DJANGO_NUM_PROXIES"] == "1"


def test_import_files_are_shared_by_web_and_worker_but_never_served(services):
    """Uploaded spreadsheets (national codes, mobiles): web stores them, the worker applies
    and purges them; nginx, which serves media, must not see them."""
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert "private_media:/app/private_media" in service["volumes"], name
        assert service["environment"]["DJANGO_PRIVATE_MEDIA_ROOT"] == "/app/private_media"
    assert not any("private_media" in mount for mount in services["nginx"]["volumes"])


def dockerfile_stages() -> list[tuple[str, list[str]]]:
    """(FROM line, instructions) of each stage, with continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    stages: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.upper().startswith("FROM "):
            stages.append((line, []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def test_image_is_built_by_bin_build_in_stages():
    stages = dockerfile_stages()
    assert len(stages) >= 3
    runs = " ".join(i for _, instructions in stages for i in instructions if i.startswith("RUN"))
    for step in ["assets", "requirements", "messages", "static"]:
        assert re.search(rf"bin/build\b[^&]*\b{step}\b", runs), step
    # Node and npm only where the browser assets are fetched.
    for from_line, instructions in stages:
        body = " ".join(instructions)
        if not from_line.split()[1].startswith("node:"):
            assert not re.search(r"\b(nodejs|npm)\b", body), from_line
    assert "requirements-dev" not in (ROOT / "Dockerfile").read_text()


def test_final_image_is_small_and_runs_unprivileged():
    from_line, instructions = dockerfile_stages()[-1]
    body = "\n".join(instructions)
    users = [i.split()[1] for i in instructions if i.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*CMD", body, re.M)
    assert re.search(r'^CMD \["gunicorn", "-c", "gunicorn.conf.py"\]', body, re.M)
    # No build tools, compilers or package caches reach it: it copies the build's results.
    assert not re.search(r"apt-get install|pip install|npm|gettext|gcc|build-essential", body)
    assert "node_modules" not in body
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "node_modules", ".git", "tests"} <= set(ignored)
    # Its base adds only the shared libraries the portal loads (Pango for the certificates'
    # PDFs), without recommended extras, and leaves no package lists behind.
    base = from_line.split()[1]
    if base != "${PYTHON_IMAGE}":
        runtime = dict(dockerfile_stages())[f"FROM ${{PYTHON_IMAGE}} AS {base}"]
        installs = " ".join(runtime)
        assert re.search(r"apt-get install -y --no-install-recommends libpango", installs)
        assert "rm -rf /var/lib/apt/lists/*" in installs
        assert not re.search(r"gcc|build-essential|-dev\b|pip install|npm", installs)


def test_gunicorn_config_is_driven_by_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    monkeypatch.setenv("GUNICORN_THREADS", "3")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:8111")
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (config["workers"], config["threads"], config["timeout"]) == (7, 3, 45)
    assert config["bind"] == ["127.0.0.1:8111"]
    assert config["accesslog"] is None
    assert config["wsgi_app"] == "empowerment.wsgi:application"
    assert config["worker_class"] == "gthread"  # sign-ins must not hold the others up
