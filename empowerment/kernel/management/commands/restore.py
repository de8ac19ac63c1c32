"""`manage.py restore FILE` (`make restore FILE=...`): a backup into an empty database."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from empowerment.kernel.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a dump written by `manage.py backup` (decrypted with BACKUP_ENCRYPT_KEY when "
        "it ends in .gpg) and its media archive into the database of DATABASE_URL, which must "
        "be empty unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="backup-....dump or backup-....dump.gpg")
        parser.add_argument(
            "--force", action="store_true", help="drop what the database holds first"
        )
        parser.add_argument("--no-media", action="store_true", help="the database only")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            backup = backup_restore(
                dump=Path(options["file"]), force=options["force"], media=not options["no_media"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        media = f" and {backup.media.name}" if backup.media else ""
        self.stdout.write(
            f"restored {backup.dump.name}{media} in {time.monotonic() - started:.1f} s"
        )
