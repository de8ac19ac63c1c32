"""Import uploads move from the public media storage to the private "imports" storage.

The rows keep their names (`imports/trainees/<centre>/<token>.<type>`); only the storage
they are read from changes, so each existing file is moved to the same name in the private
storage. A file already gone (deleted by hand) is left as it is: the row still opens, only
its download answers "not found".
"""

from django.core.files.storage import storages
from django.db import migrations, models

import trainees.models.registry


def _move(apps, source, target):
    TraineeImport = apps.get_model("trainees", "TraineeImport")
    for name in TraineeImport.objects.exclude(file="").values_list("file", flat=True).iterator():
        if not source.exists(name) or target.exists(name):
            continue
        with source.open(name, "rb") as handle:
            target.save(name, handle)
        source.delete(name)


def to_private(apps, schema_editor):
    _move(apps, storages["default"], storages["imports"])


def to_public(apps, schema_editor):
    _move(apps, storages["imports"], storages["default"])


class Migration(migrations.Migration):
    dependencies = [
        ("trainees", "0004_import_elsewhere_count"),
    ]

    operations = [
        migrations.AlterField(
            model_name="traineeimport",
            name="file",
            field=models.FileField(
                blank=True,
                storage=trainees.models.registry.import_storage,
                upload_to=trainees.models.registry._import_upload_to,
                verbose_name="file",
            ),
        ),
        migrations.RunPython(to_private, to_public, elidable=True),
    ]
