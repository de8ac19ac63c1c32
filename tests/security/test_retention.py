"""Class 9: what is kept only for a while goes when its time is up.

Access records, one-time codes and the text of sent SMS are removed by the nightly beat
entry "retention-sweep" after ACCESS_RECORD_RETENTION_DAYS, OTP_RETENTION_DAYS and
SMS_BODY_RETENTION_DAYS; everything younger, and messages not yet sent, stay as they were.
"""

import datetime

import pytest
from django.utils import timezone

from empowerment.celery import app
from empowerment.kernel.models import AccessRecord, OneTimeCode, OutboxMessage
from empowerment.kernel.privacy.services import access_record

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def periods(settings):
    settings.ACCESS_RECORD_RETENTION_DAYS = 100
    settings.OTP_RETENTION_DAYS = 10
    settings.SMS_BODY_RETENTION_DAYS = 30


def run_the_beat_entry():
    """The task the beat schedule names, run as beat would queue it (eager in tests)."""
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["retention-sweep"]
    return app.tasks[entry["task"]].apply().get()


def an_access_record(age: datetime.timedelta) -> AccessRecord:
    record = access_record(
        user=None, action="search", channel="admin", model="trainees.trainee", term="0012345679"
    )
    AccessRecord.objects.filter(pk=record.pk).update(at=timezone.now() - age)
    return record


def a_code(age: datetime.timedelta) -> OneTimeCode:
    created = timezone.now() - age
    return OneTimeCode.objects.create(
        mobile="09121234567",
        code_hash="x",
        created_at=created,
        expires_at=created + datetime.timedelta(minutes=2),
    )


def an_sms(key: str, *, age: datetime.timedelta, state=OutboxMessage.State.SENT, channel="sms"):
    message = OutboxMessage.objects.create(
        key=key,
        channel=channel,
        recipient="09121234567",
        text="یادآوری جلسه فردا برای زهرا محمدی",
        state=state,
    )
    moment = timezone.now() - age
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=moment, sent_at=moment if state == OutboxMessage.State.SENT else None
    )
    return message


def test_the_sweep_is_a_beat_entry_with_a_registered_task():
    entry = app.conf.beat_schedule["retention-sweep"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_each_kind_goes_after_its_own_period(periods):
    old_record, new_record = an_access_record(101 * DAY), an_access_record(99 * DAY)
    old_code, new_code = a_code(11 * DAY), a_code(9 * DAY)
    old_sms = an_sms("old", age=31 * DAY)
    new_sms = an_sms("new", age=29 * DAY)
    old_failed = an_sms("failed", age=31 * DAY, state=OutboxMessage.State.FAILED)
    old_mail = an_sms("mail", age=31 * DAY, channel="email")

    assert run_the_beat_entry() == {"access_records": 1, "one_time_codes": 1, "sms_bodies": 1}

    assert list(AccessRecord.objects.all()) == [new_record]
    assert list(OneTimeCode.objects.all()) == [new_code]
    assert not OneTimeCode.objects.filter(pk=old_code.pk).exists()
    assert not AccessRecord.objects.filter(pk=old_record.pk).exists()
    texts = dict(OutboxMessage.objects.values_list("key", "text"))
    # The sent SMS stays as the record that a message went out, without its words.
    assert texts["old"] == ""
    assert OutboxMessage.objects.get(pk=old_sms.pk).state == OutboxMessage.State.SENT
    assert texts["new"] == new_sms.text
    assert texts["failed"] == old_failed.text  # not sent: an administrator may retry it
    assert texts["mail"] == old_mail.text  # e-mail is not an SMS body


def test_a_second_run_finds_nothing_to_do(periods):
    an_access_record(200 * DAY)
    a_code(20 * DAY)
    an_sms("old", age=60 * DAY)
    assert run_the_beat_entry() == {"access_records": 1, "one_time_codes": 1, "sms_bodies": 1}
    assert run_the_beat_entry() == {"access_records": 0, "one_time_codes": 0, "sms_bodies": 0}


def test_the_periods_come_from_settings(settings):
    an_access_record(50 * DAY)
    settings.ACCESS_RECORD_RETENTION_DAYS = 365
    settings.OTP_RETENTION_DAYS = 30
    settings.SMS_BODY_RETENTION_DAYS = 90
    assert run_the_beat_entry()["access_records"] == 0
    settings.ACCESS_RECORD_RETENTION_DAYS = 49
    assert run_the_beat_entry()["access_records"] == 1
