"""Uploads are opened through their storage, never by a path on this machine's disk (issue 18):
with DJANGO_MEDIA_STORAGE=s3 a file has no local path, and a worker on another machine must
find what a web node received. The local media folders are named only where they are
configured (settings), served in development (urls) or archived by the local backup."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("empowerment", "centres", "programs", "trainees")
# `<field file>.path` or the local media folders.
BY_PATH = re.compile(r"\.(file|cover|image|upload)\.path\b|\b(PRIVATE_)?MEDIA_ROOT\b")
ALLOWED = {
    "empowerment/settings.py",
    "empowerment/urls.py",
    "empowerment/kernel/backups.py",  # the local media folder's archive (README, Backups)
    "empowerment/kernel/management/commands/restore_drill.py",
}


def test_no_upload_is_opened_by_a_local_path():
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name in ALLOWED or "/migrations/" in name:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                code = line.split("#", 1)[0]
                if BY_PATH.search(code) and not code.strip().startswith(('"""', "`")):
                    offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == [], "open uploads with storage.open / FieldFile.open:\n" + "\n".join(
        offenders
    )
