"""Backups that restore: a PostgreSQL custom-format dump and a tar of the media files.

`backup_create` writes `backup-<Jalali date>T<HHMM>.dump` and `...media.tar.gz` (Tehran
time, e.g. `backup-1405-09-10T1230.dump`) into BACKUP_DIR, each first under a `.partial`
name and renamed when complete, so a half-written file never looks like a backup. With
BACKUP_ENCRYPT_KEY set, both are encrypted with gpg (symmetric AES-256, the passphrase
passed on a pipe, never on a command line) and end in `.gpg`, for copies that leave the
machine. `backup_restore` decrypts when needed and restores into an empty database (a
non-empty one only when forced: its schema is dropped first) in one transaction
(`pg_restore --single-transaction --exit-on-error`): a failed restore leaves nothing
half-written. The PostgreSQL 15 client tools of the machine do the work.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import jdatetime
from django.conf import settings
from django.db import connections

TEHRAN = ZoneInfo("Asia/Tehran")
DUMP_SUFFIX = ".dump"
MEDIA_SUFFIX = ".media.tar.gz"
ENCRYPTED_SUFFIX = ".gpg"


class BackupError(Exception):
    """A backup or restore could not be done; the message says why, for the operator."""


@dataclass
class Backup:
    dump: Path
    media: Path | None


def _database(alias: str = "default") -> dict:
    db = settings.DATABASES[alias]
    if connections[alias].vendor != "postgresql":
        raise BackupError(
            "Backups need PostgreSQL (DATABASE_URL=postgres://...); the embedded SQLite "
            "database is the file db.sqlite3: copy it while the portal is stopped."
        )
    return db


def _pg_env(db: dict) -> dict:
    # Connection details through libpq's environment: the password never shows in `ps`.
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGUSER": db["USER"] or "postgres"}
    if db.get("HOST"):
        env["PGHOST"] = db["HOST"]
    if db.get("PORT"):
        env["PGPORT"] = str(db["PORT"])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _run(command: list[str], *, env: dict | None = None, stdin: bytes | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL 15 client, gnupg).")
    result = subprocess.run(command, env=env, input=stdin, capture_output=True)
    if result.returncode != 0:
        raise BackupError(
            f"{command[0]} failed ({result.returncode}): "
            + result.stderr.decode(errors="replace").strip()[-2000:]
        )


def jalali_stamp(moment: datetime.datetime | None = None) -> str:
    """`1405-09-10T1230`: the Jalali date and Tehran time of `moment` (now)."""
    moment = (moment or datetime.datetime.now(tz=TEHRAN)).astimezone(TEHRAN)
    day = jdatetime.date.fromgregorian(date=moment.date())
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}T{moment:%H%M}"


def _encryption_key() -> str:
    return settings.BACKUP_ENCRYPT_KEY


def _encrypt(path: Path, key: str) -> Path:
    target = path.with_name(path.name + ENCRYPTED_SUFFIX)
    _run(
        [
            "gpg", "--batch", "--yes", "--quiet", "--pinentry-mode", "loopback",
            "--passphrase-fd", "0", "--symmetric", "--cipher-algo", "AES256",
            "--output", str(target), str(path),
        ],
        stdin=key.encode() + b"\n",
    )  # fmt: skip
    path.unlink()
    return target


def _decrypt(path: Path, key: str, into: Path) -> Path:
    if not key:
        raise BackupError(f"{path.name} is encrypted: set BACKUP_ENCRYPT_KEY to restore it.")
    target = into / path.name.removesuffix(ENCRYPTED_SUFFIX)
    _run(
        [
            "gpg", "--batch", "--yes", "--quiet", "--pinentry-mode", "loopback",
            "--passphrase-fd", "0", "--decrypt", "--output", str(target), str(path),
        ],
        stdin=key.encode() + b"\n",
    )  # fmt: skip
    return target


def _free_stem(directory: Path, stem: str) -> str:
    # Two backups in one minute: the second gets -2, -3, ... rather than overwriting.
    candidate, n = stem, 1
    while any(directory.glob(f"{candidate}.*")):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def backup_create(*, directory: Path | None = None, encrypt: bool = True) -> Backup:
    """Dump the database (pg_dump -Fc) and archive MEDIA_ROOT into `directory`."""
    db = _database()
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stem = _free_stem(directory, f"backup-{jalali_stamp()}")
    key = _encryption_key() if encrypt else ""

    dump = directory / f"{stem}{DUMP_SUFFIX}"
    partial = dump.with_name(dump.name + ".partial")
    _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(partial)], env=_pg_env(db))
    partial.rename(dump)

    media = None
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir():
        media = directory / f"{stem}{MEDIA_SUFFIX}"
        partial = media.with_name(media.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(media_root, arcname=".")
        partial.rename(media)
    if key:
        dump = _encrypt(dump, key)
        media = _encrypt(media, key) if media else None
    return Backup(dump=dump, media=media)


def media_archive_for(dump: Path) -> Path | None:
    """The media archive written with `dump` (encrypted alike), if it is there."""
    name = dump.name.removesuffix(ENCRYPTED_SUFFIX).removesuffix(DUMP_SUFFIX) + MEDIA_SUFFIX
    for candidate in (name + ENCRYPTED_SUFFIX, name):
        if (dump.parent / candidate).exists():
            return dump.parent / candidate
    return None


def database_is_empty() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        )
        return cursor.fetchone()[0] == 0


def backup_restore(*, dump: Path, force: bool = False, media: bool = True) -> Backup:
    """Restore `dump` (and its media archive) into the database of DATABASE_URL.

    Refuses a database that holds tables unless `force`; then its public schema is dropped
    and made again first. The restore is one transaction: on error nothing is left.
    """
    db = _database()
    dump = Path(dump)
    if not dump.is_file():
        raise BackupError(f"No backup file at {dump}.")
    if not database_is_empty():
        if not force:
            raise BackupError(
                f"The database {db['NAME']} is not empty: restore into an empty database, "
                "or pass --force (FORCE=1) to drop what it holds first."
            )
        with connections["default"].cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    connections["default"].close()  # pg_restore works in its own connection
    archive = media_archive_for(dump) if media else None
    with tempfile.TemporaryDirectory(prefix="restore-") as scratch:
        key = _encryption_key()
        plain = _decrypt(dump, key, Path(scratch)) if dump.name.endswith(ENCRYPTED_SUFFIX) else dump
        _run(
            [
                "pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
                "--exit-on-error", "-d", db["NAME"], str(plain),
            ],
            env=_pg_env(db),
        )  # fmt: skip
        if archive is not None:
            if archive.name.endswith(ENCRYPTED_SUFFIX):
                archive_plain = _decrypt(archive, key, Path(scratch))
            else:
                archive_plain = archive
            media_root = Path(settings.MEDIA_ROOT)
            media_root.mkdir(parents=True, exist_ok=True)
            with tarfile.open(archive_plain, "r:gz") as tar:
                # The "data" filter refuses absolute paths, links out of the folder and
                # device files: an archive cannot write outside MEDIA_ROOT.
                tar.extractall(media_root, filter="data")
    return Backup(dump=dump, media=archive)
