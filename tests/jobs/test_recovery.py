"""What a worker that died leaves behind is finished by the next delivery, once."""

import datetime

import pytest
from celery.exceptions import Retry
from django.urls import reverse
from django.utils import timezone

from empowerment.kernel import outbox
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.sms import ConsoleSMSBackend
from empowerment.kernel.tasks import outbox_send
from tests.trainees.spreadsheet_files import upload, xlsx_bytes
from trainees import services
from trainees.demo import national_code
from trainees.models import Trainee, TraineeImport
from trainees.tasks import trainee_import_apply_task

pytestmark = pytest.mark.django_db


def test_a_message_left_sending_is_looked_at_again_once_its_claim_is_stale(monkeypatch, settings):
    message = outbox.message_queue(
        key="held", recipient="09121234567", channel="sms", text="یادآوری"
    )
    claimed = timezone.now() - datetime.timedelta(seconds=100)
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.SENDING, claimed_at=claimed, attempts=1
    )
    retried = {}

    def retry(**kwargs):
        retried.update(kwargs)
        raise Retry()

    monkeypatch.setattr(outbox_send, "retry", retry)
    with pytest.raises(Retry):
        outbox_send(message.pk)  # as a worker runs it: not eager
    # Stale at claimed + time limit + 60 s: that is 100 s before now + 660 s.
    expected = settings.CELERY_TASK_TIME_LIMIT + 60 - 100
    assert expected - 2 <= retried["countdown"] <= expected + 2
    assert ConsoleSMSBackend.outbox == []

    # When the claim has gone stale the next delivery sends it, once.
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert outbox_send(message.pk) == "sent"
    assert outbox_send(message.pk) == "sent"
    assert len(ConsoleSMSBackend.outbox) == 1


@pytest.fixture
def confirmed_import(two_centres):
    content = xlsx_bytes(
        [
            ["مریم", f"آزمون {n}", "", national_code(8000 + n), "", "زن", "", "", "", "", "", ""]
            for n in range(5)
        ]
    )
    trainee_import = services.trainee_import_preview(
        centre=two_centres["isfahan"],
        uploaded_file=upload(content),
        by=two_centres["staff_isfahan"],
    )
    TraineeImport.objects.filter(pk=trainee_import.pk).update(state=TraineeImport.State.QUEUED)
    return trainee_import


def test_an_import_left_applying_by_a_dead_worker_is_applied_by_the_next_delivery(
    confirmed_import,
):
    # The dead worker had committed "applying"; its writes were rolled back with it.
    TraineeImport.objects.filter(pk=confirmed_import.pk).update(state=TraineeImport.State.APPLYING)
    assert trainee_import_apply_task.delay(confirmed_import.pk).get() == "applied"
    assert trainee_import_apply_task.delay(confirmed_import.pk).get() == "applied"
    assert Trainee.objects.count() == 5 and Trainee.history.count() == 5


def test_progress_endpoint_answers_the_bar_and_respects_scope(
    client, confirmed_import, two_centres
):
    url = reverse("admin:trainees_trainee_import_progress", args=[confirmed_import.pk])
    client.force_login(two_centres["staff_isfahan"])
    assert client.get(url).json() == {
        "state": "queued",
        "processed": 0,
        "total": 5,
        "running": True,
    }
    trainee_import_apply_task.delay(confirmed_import.pk).get()
    assert client.get(url).json() == {
        "state": "applied",
        "processed": 5,
        "total": 5,
        "running": False,
    }
    client.force_login(two_centres["staff_karaj"])
    assert client.get(url).status_code == 404
