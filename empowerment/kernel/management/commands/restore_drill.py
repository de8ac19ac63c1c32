"""`manage.py restore_drill` (`make restore-drill`, a CI step): a backup is only as good as
its restore, so CI restores one.

On a scratch database `<DATABASE_URL's name>_drill` (dropped and made again) with its own
media folder: migrate, seed the demo (or `--synthetic N` trainees), checksum, back up with
`manage.py backup` (encrypted with a throw-away passphrase, so decryption is drilled too),
drop the database, create it empty, restore with `manage.py restore`, checksum again. It
compares the row count of every table, a checksum of every row of the registry (trainees,
enrolments, attendance), meetings and resolutions, and the media files, prints the backup
and restore times, drops the scratch database and exits non-zero on any difference.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

# The tables whose every row is compared (the rest by row count).
CHECKSUMMED = [
    "trainees.Trainee",
    "trainees.Enrolment",
    "trainees.Attendance",
    "centres.Meeting",
    "centres.Resolution",
]


def _connect(db: dict, name: str):

    return psycopg2.connect(
        dbname=name,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )


def _url(db: dict, name: str) -> str:
    auth = (db["USER"] or "postgres") + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _recreate(db: dict, name: str, *, create: bool = True) -> None:
    connection = _connect(db, "postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def _table_state(db: dict, name: str) -> dict[str, tuple]:
    """Row count of every table; for CHECKSUMMED ones also the sum of each row's md5.

    The sum of the rows' hashes (their first 64 bits, as numeric: no overflow) does not
    depend on the order rows come back in, and changes with any byte of any row; it stays
    one number for millions of rows, where an md5 of the concatenated rows would not fit
    in memory.
    """
    checksummed = {apps.get_model(label)._meta.db_table for label in CHECKSUMMED}
    connection = _connect(db, name)
    state = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        for (table,) in cursor.fetchall():
            if table in checksummed:
                cursor.execute(
                    f"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))"
                    f'::bit(64)::bigint::numeric), 0) FROM "{table}" t'
                )
            else:
                cursor.execute(f'SELECT count(*), NULL FROM "{table}"')
            count, checksum = cursor.fetchone()
            state[table] = (count, str(checksum) if checksum is not None else None)
    connection.close()
    missing = checksummed - state.keys()
    if missing:
        raise CommandError(f"tables not found in the scratch database: {sorted(missing)}")
    return state


def _media_state(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0]

    def add_arguments(self, parser):
        parser.add_argument(
            "--synthetic", type=int, default=0, help="N synthetic trainees instead of the demo"
        )
        parser.add_argument("--no-encrypt", action="store_true", help="plain backup files")
        parser.add_argument("--keep", action="store_true", help="keep the scratch database")

    def _manage(self, env: dict, *args: str) -> float:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return time.monotonic() - started

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        if connections["default"].vendor != "postgresql":
            raise CommandError("The restore drill needs PostgreSQL: set DATABASE_URL.")
        name = f"{db['NAME']}_drill"
        with tempfile.TemporaryDirectory(prefix="restore-drill-") as scratch:
            media = Path(scratch) / "media"
            env = {
                **os.environ,
                "DATABASE_URL": _url(db, name),
                "DJANGO_MEDIA_ROOT": str(media),
                "BACKUP_DIR": str(Path(scratch) / "backups"),
                "BACKUP_ENCRYPT_KEY": "" if options["no_encrypt"] else secrets.token_urlsafe(32),
                "SEED_DEMO_ALLOWED": "1",
                # The drill is about the data: no broker, no summaries refreshed by a worker.
                "REDIS_URL": "",
                "CELERY_TASK_ALWAYS_EAGER": "1",
            }
            try:
                self._drill(db, name, env, media, options)
            finally:
                if not options["keep"]:
                    _recreate(db, name, create=False)

    def _drill(self, db, name, env, media, options):
        _recreate(db, name)
        self._manage(env, "migrate", "--noinput", "-v0")
        if options["synthetic"]:
            source = f"{options['synthetic']:,} synthetic trainees"
            self._manage(env, "generate_synthetic", "--trainees", str(options["synthetic"]))
        else:
            source = "the demo"
            self._manage(env, "seed_demo")
        before, media_before = _table_state(db, name), _media_state(media)

        backup_seconds = self._manage(env, "backup")
        backups = sorted(Path(env["BACKUP_DIR"]).iterdir())
        dump = next(p for p in backups if ".dump" in p.name)
        size = sum(p.stat().st_size for p in backups)

        _recreate(db, name)  # dropped, and made again empty
        if media.exists():
            for path in sorted(media.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
        restore_seconds = self._manage(env, "restore", str(dump))
        after, media_after = _table_state(db, name), _media_state(media)

        rows = sum(count for count, _checksum in before.values())
        self.stdout.write(
            f"restore drill, {source}: {len(before)} tables, {rows:,} rows, "
            f"{len(media_before)} media files; backup {backup_seconds:.1f} s "
            f"({size / 1e6:.1f} MB: {', '.join(p.name for p in backups)}), "
            f"restore {restore_seconds:.1f} s"
        )
        for label in CHECKSUMMED:
            table = apps.get_model(label)._meta.db_table
            count, checksum = after.get(table, (None, None))
            self.stdout.write(f"  {table}: {count:,} rows, checksum {checksum}")
        differences = [
            f"{table}: {before.get(table)} before, {after.get(table)} after"
            for table in sorted(before.keys() | after.keys())
            if before.get(table) != after.get(table)
        ]
        if media_before != media_after:
            differences.append(
                f"media files: {len(media_before)} before, {len(media_after)} after, "
                f"{sum(media_after.get(k) != v for k, v in media_before.items())} differ"
            )
        if differences:
            raise CommandError("the restored copy differs:\n  " + "\n  ".join(differences))
        self.stdout.write(self.style.SUCCESS("restore drill passed: the copy is identical"))
