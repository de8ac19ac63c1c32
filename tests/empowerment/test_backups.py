"""Backups restore: Jalali names, encryption, refusal of a non-empty database, one
transaction. The full drill (seed, back up, drop, restore, compare) is `make restore-drill`."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from empowerment.kernel.backups import jalali_stamp, media_archive_for
from empowerment.kernel.management.commands.restore_drill import _connect, _recreate, _url
from tests.trainees.factories import TraineeFactory
from trainees.models import Trainee

ROOT = Path(__file__).resolve().parents[2]


def test_names_carry_the_jalali_date_and_tehran_time():
    moment = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    assert jalali_stamp(moment) == "1405-09-10T1230"
    assert media_archive_for(Path("/nowhere/backup-1405-09-10T1230.dump.gpg")) is None


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("backups need PostgreSQL (DATABASE_URL)")
    return connection.settings_dict


def _restore(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "restore", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.integration
def test_an_encrypted_backup_restores_into_an_empty_database_only(postgres, settings, tmp_path):
    TraineeFactory.create_batch(3)
    (settings.MEDIA_ROOT / "news").mkdir(parents=True)
    (settings.MEDIA_ROOT / "news" / "cover.webp").write_bytes(b"image bytes")
    settings.BACKUP_ENCRYPT_KEY = "a long passphrase for the drill"
    backups = tmp_path / "backups"
    call_command("backup", dir=str(backups))
    files = sorted(p.name for p in backups.iterdir())
    assert [f.split(".", 1)[1] for f in files] == ["dump.gpg", "media.tar.gz.gpg"]
    assert files[0].startswith(f"backup-{jalali_stamp()[:10]}T")
    dump = backups / files[0]
    assert b"PGDMP" not in dump.read_bytes()[:64]  # not a readable custom-format dump

    # The database it came from is not empty: refused, and nothing touched.
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(dump))
    assert Trainee.objects.count() == 3

    target = f"{postgres['NAME']}_restore"
    _recreate(postgres, target)
    env = {
        **os.environ,
        "DATABASE_URL": _url(postgres, target),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "restored-media"),
        "BACKUP_ENCRYPT_KEY": "the wrong passphrase",
        "REDIS_URL": "",
    }
    try:
        wrong = _restore(env, str(dump))
        assert wrong.returncode != 0 and "gpg failed" in wrong.stderr
        assert _count(postgres, target) == 0

        env["BACKUP_ENCRYPT_KEY"] = settings.BACKUP_ENCRYPT_KEY
        restored = _restore(env, str(dump))
        assert restored.returncode == 0, restored.stderr
        assert _count(postgres, target) == 3
        cover = tmp_path / "restored-media" / "news" / "cover.webp"
        assert cover.read_bytes() == b"image bytes"
        # Again into the now full copy: refused unless forced.
        assert _restore(env, str(dump)).returncode != 0
        assert _restore(env, str(dump), "--force").returncode == 0
        assert _count(postgres, target) == 3
    finally:
        _recreate(postgres, target, create=False)


def _count(db: dict, name: str) -> int:
    conn = _connect(db, name)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname='public' "
                "AND tablename='trainees_trainee'"
            )
            if cursor.fetchone()[0] == 0:
                return 0
            cursor.execute("SELECT count(*) FROM trainees_trainee")
            return cursor.fetchone()[0]
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.integration
def test_a_broken_dump_leaves_the_database_empty(postgres, settings, tmp_path):
    TraineeFactory.create_batch(2)
    backups = tmp_path / "backups"
    call_command("backup", dir=str(backups), no_encrypt=True)
    dump = next(backups.glob("*.dump"))
    data = dump.read_bytes()
    dump.write_bytes(data[: len(data) * 2 // 3])  # cut short, as by a full disk
    target = f"{postgres['NAME']}_restore"
    _recreate(postgres, target)
    env = {**os.environ, "DATABASE_URL": _url(postgres, target), "REDIS_URL": ""}
    try:
        result = _restore(env, str(dump), "--no-media")
        assert result.returncode != 0
        assert "pg_restore failed" in result.stderr
        conn = _connect(postgres, target)
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert cursor.fetchone()[0] == 0  # one transaction: nothing half restored
        conn.close()
    finally:
        _recreate(postgres, target, create=False)
