"""Reads on a real streaming replica, and read-after-write on the primary (issue 18).

The set-up makes a small PostgreSQL primary and a standby on spare ports: initdb (as the
postgres user when the run is root's: initdb refuses root), a replication entry in
pg_hba.conf, the test database's schema and base rows (pg_dump) loaded on the primary, then
`pg_basebackup -R` for a standby that streams from it. The portal runs against the pair in a
subprocess (tests/empowerment/replica_probe.py), with data committed for real, and reports
what it saw; this test asserts it. Both clusters are stopped and deleted afterwards.

Skipped (with the reason) where the PostgreSQL server binaries are missing, except under
CI=true, where that is a failure. Runs in about ten seconds.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection

# django_db: so that the test database is set up (its schema is what the pair is loaded with).
pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
# Ports tried first (a helper's share of this machine); the next free ones are taken otherwise.
FIRST_PORT = int(os.environ.get("REPLICA_TEST_PORT", "55432"))
PIN_SECONDS = 1


def _server_binaries() -> Path | None:
    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if all((bindir / name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup")):
            return bindir
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_basebackup") else None


def _skip_or_fail(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} CI must install it (.ci/system-packages).")
    pytest.skip(reason)


def _free_ports(count: int) -> list[int]:
    ports, port = [], FIRST_PORT
    while len(ports) < count:
        with closing(socket.socket()) as probe:
            try:
                probe.bind(("127.0.0.1", port))
                ports.append(port)
            except OSError:
                pass
        port += 1
    return ports


class Cluster:
    """One PostgreSQL data directory and its server, run by the postgres user under root."""

    def __init__(self, bindir: Path, home: Path, name: str, port: int):
        self.bindir, self.home, self.port = bindir, home, port
        self.data = home / name
        self.log = home / f"{name}.log"
        self.url = f"postgres://postgres@127.0.0.1:{port}/portal"

    def run(self, program: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)

    def configure(self, **options) -> None:
        # Appended: the last setting of a name wins (a base backup copies the primary's file).
        lines = [f"{name} = '{value}'" for name, value in options.items()]
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(lines) + "\n")

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
def streaming_pair(django_db_setup):
    if connection.vendor != "postgresql":
        pytest.skip("the schema comes from the PostgreSQL test database (DATABASE_URL)")
    bindir = _server_binaries()
    if bindir is None:
        _skip_or_fail("The PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are missing.")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        _skip_or_fail("Running as root, runuser is needed to start PostgreSQL as postgres.")
    # In memory where there is a tmpfs: the clusters are small and thrown away, and deleting
    # files on a disk mounted with online discard takes seconds.
    shm = Path("/dev/shm")
    memory = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    home = Path(tempfile.mkdtemp(prefix="replica-test-", dir=memory))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    primary_port, standby_port = _free_ports(2)
    primary = Cluster(bindir, home, "primary", primary_port)
    standby = Cluster(bindir, home, "standby", standby_port)
    try:
        primary.run(
            "initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "--no-sync",
            "--no-instructions", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        primary.configure(
            port=primary.port,
            listen_addresses="127.0.0.1",
            unix_socket_directories=home,
            wal_level="replica",
            max_wal_senders=4,
            fsync="off",
            shared_buffers="32MB",
            # Shared memory segments as files in the data directory, deleted with it.
            dynamic_shared_memory_type="mmap",
        )
        # Trust on the loopback for this throw-away pair, replication included.
        (primary.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "host all all 127.0.0.1/32 trust\n"
            "host replication postgres 127.0.0.1/32 trust\n"
        )
        primary.start()
        _load_test_database(bindir, primary)
        primary.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(standby.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        standby.configure(port=standby.port, hot_standby="on")
        standby.start()
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            try:
                cluster.stop()
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(home, ignore_errors=True)


def _load_test_database(bindir: Path, primary: Cluster) -> None:
    """The schema and base rows (content types, permissions, roles) of the test database,
    as migrations left them, into the primary's database `portal`."""
    db = connection.settings_dict
    source = [
        "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"],
        "--no-owner", "--no-privileges", db["NAME"],
    ]  # fmt: skip
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    target = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]
    subprocess.run([bindir / "createdb", *target, "portal"], check=True, env=env)
    dump = subprocess.run(
        [bindir / "pg_dump", *source], check=True, capture_output=True, env=env
    ).stdout
    subprocess.run(
        [bindir / "psql", *target, "-q", "-v", "ON_ERROR_STOP=1", "-d", "portal"],
        input=dump,
        check=True,
        capture_output=True,
        env=env,
    )


def test_reads_land_on_the_standby_and_a_writer_reads_what_they_wrote(streaming_pair):
    primary, standby = streaming_pair
    env = {
        **os.environ,
        "DATABASE_URL": primary.url,
        "DATABASE_REPLICA_URL": standby.url,
        "DATABASE_REPLICA_PIN_SECONDS": str(PIN_SECONDS),
        "DJANGO_CONN_MAX_AGE": "0",
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "AXES_ENABLED": "0",
        "ADMIN_SECOND_FACTOR": "0",
        "PYTHONPATH": str(ROOT),
    }
    probe = subprocess.run(
        [sys.executable, "tests/empowerment/replica_probe.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-4000:]
    seen = json.loads(probe.stdout)
    print(json.dumps(seen, indent=1))  # shown when an assertion fails
    first, second = seen["first"], seen["second"]

    # The alias `replica` is the standby; `default` the primary.
    assert seen["in_recovery"] == {"default": False, "replica": True}

    # Dashboards, public pages and API reads read the standby; the admin reads the primary.
    reads = seen["reads"]
    for kind in ("public", "dashboard", "api"):
        assert reads[kind]["status"] == 200, (kind, reads[kind])
        assert reads[kind]["replica"] > 0, (kind, reads[kind])
    assert reads["admin"]["status"] == 200 and reads["admin"]["replica"] == 0, reads["admin"]

    # Replay paused. A write reads and writes on the primary only.
    assert seen["api_write"]["status"] == 201 and seen["api_write"]["replica"] == 0
    # The writer (an API client without cookies: the pin is the cache's) reads the primary
    # and sees the enrolment; a colleague reads the standby, which has not replayed it yet.
    writer, colleague = seen["after_api_write"]["writer"], seen["after_api_write"]["colleague"]
    assert (writer["trainees"], writer["replica"]) == ([first], 0)
    assert colleague["trainees"] == [] and colleague["replica"] > 0

    # The browser's pin is its cookie (the cache's pin was removed).
    assert seen["browser_write"]["status"] == 201 and seen["browser_write"]["replica"] == 0
    writer = seen["after_browser_write"]["writer"]
    colleague = seen["after_browser_write"]["colleague"]
    assert (writer["trainees"], writer["replica"]) == ([first, second], 0)
    assert colleague["trainees"] == [] and colleague["replica"] > 0

    # Replayed, and the pin is over: both read the standby, and it has everything.
    for person in ("writer", "colleague"):
        after = seen["after_replay_and_pin"][person]
        assert after["trainees"] == [first, second] and after["replica"] > 0, (person, after)
