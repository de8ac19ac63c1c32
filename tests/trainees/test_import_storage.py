"""Any machine can do any job (issue 18): uploads live in the configured storage, never on the
web node's disk, so a worker elsewhere finds what a web node received.

Here the storage is Django's InMemoryStorage, standing in for the S3 store of
DJANGO_MEDIA_STORAGE=s3: a file reached by a local path instead of through the storage would
not be found. An import uploaded through the admin (the web side) is stored there, applied
by its task, served back by the download view, and deleted by the beat task; a news cover is
stored there too. Nothing is written under MEDIA_ROOT or PRIVATE_MEDIA_ROOT.
"""

from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from centres.models import Article
from empowerment.celery import app
from tests.centres.test_news_images import image_bytes, post_article
from tests.centres.test_news_images import upload as image_upload
from tests.once import imports_storage
from tests.programs.factories import CohortFactory
from tests.trainees.spreadsheet_files import upload, xlsx_bytes
from trainees.demo import national_code
from trainees.models import Enrolment, Trainee, TraineeImport

pytestmark = pytest.mark.django_db

HEADERS = ["نام", "نام خانوادگی", "کد ملی", "جنسیت", "کد دوره"]
IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


@pytest.fixture
def object_store(settings):
    settings.STORAGES = {**settings.STORAGES, "default": IN_MEMORY, "imports": IN_MEMORY}
    with imports_storage():  # the FileField took its storage at import: give it this one
        yield storages["imports"]


def _files_under(*roots) -> list:
    return [path for root in roots for path in Path(root).rglob("*") if path.is_file()]


def test_an_import_uploaded_on_the_web_side_is_applied_served_and_purged_from_the_store(
    client, settings, object_store, two_centres, django_capture_on_commit_callbacks
):
    karaj = two_centres["karaj"]
    CohortFactory(centre=karaj, code="KRJ-1", capacity=20)
    rows = [["مریم", f"صنعتی {i}", national_code(8300 + i), "زن", "KRJ-1"] for i in range(3)]
    content = xlsx_bytes(rows, headers=HEADERS)
    client.force_login(two_centres["staff_karaj"])

    # The web side receives the upload: it is in the store, not on this machine's disk.
    response = client.post(
        reverse("admin:trainees_trainee_import"), {"centre": karaj.pk, "file": upload(content)}
    )
    assert response.status_code == 302
    trainee_import = TraineeImport.objects.latest("pk")
    assert trainee_import.state == TraineeImport.State.PREVIEWED
    with object_store.open(trainee_import.file.name, "rb") as stored:
        assert stored.read() == content
    assert _files_under(settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT) == []

    # Confirmed: the apply task (eager here, a worker on any machine in production) runs.
    preview = reverse("admin:trainees_trainee_import_preview", args=[trainee_import.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(preview).status_code == 302
    trainee_import.refresh_from_db()
    assert trainee_import.state == TraineeImport.State.APPLIED
    assert Trainee.objects.filter(registered_at=karaj).count() == 3
    assert Enrolment.objects.filter(cohort__code="KRJ-1").count() == 3

    # Any web node serves the file back from the store.
    download = client.get(reverse("admin:trainees_trainee_import_file", args=[trainee_import.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content

    # The beat task (a worker) deletes it from the store after the retention period.
    settings.IMPORT_FILE_RETENTION_DAYS = -1
    name = trainee_import.file.name
    entry = app.conf.beat_schedule["import-files-purge"]
    app.loader.import_default_modules()
    with django_capture_on_commit_callbacks(execute=True):
        assert app.tasks[entry["task"]].apply().get() == 1
    assert not object_store.exists(name)


def test_a_news_cover_is_stored_in_the_store(client, settings, object_store, two_centres):
    client.force_login(two_centres["staff_isfahan"])
    cover = image_upload(image_bytes((800, 400), fmt="JPEG"))
    assert post_article(client, two_centres["isfahan"], cover).status_code == 302
    article = Article.objects.get()
    assert storages["default"].exists(article.cover.name)
    assert _files_under(settings.MEDIA_ROOT) == []
