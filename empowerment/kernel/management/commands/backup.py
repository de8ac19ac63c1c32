"""`manage.py backup` (`make backup`): the database and media files into BACKUP_DIR."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from empowerment.kernel.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a PostgreSQL dump (pg_dump -Fc) and a tar of the media files, named with the "
        "Jalali date and Tehran time, into BACKUP_DIR; encrypted with gpg when "
        "BACKUP_ENCRYPT_KEY is set."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="write here instead of BACKUP_DIR")
        parser.add_argument(
            "--no-encrypt", action="store_true", help="plain files even with BACKUP_ENCRYPT_KEY"
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            backup = backup_create(
                directory=Path(options["dir"]) if options["dir"] else None,
                encrypt=not options["no_encrypt"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for path in filter(None, [backup.dump, backup.media]):
            self.stdout.write(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
        self.stdout.write(f"backup took {time.monotonic() - started:.1f} s")
