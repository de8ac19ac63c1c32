"""The daily overdue digest: partner officers and HQ secretaries get, by e-mail, what in
their charge is overdue or due within seven days; not on Fridays; once per day."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from centres import digests
from centres.meetings import commitment_create, resolution_cancel
from centres.tasks import overdue_digest_task
from empowerment.kernel.jalali import local_today, to_jalali
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.tasks import outbox_send
from tests.centres.factories import (
    HeadquartersFactory,
    NeighbourhoodFactory,
    PartnerFactory,
    make_meeting,
    make_resolution,
    staff_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

TEHRAN = ZoneInfo("Asia/Tehran")


@pytest.fixture
def world():
    relief = PartnerFactory(name="کمیته امداد")
    tvto = PartnerFactory(name="فنی و حرفه‌ای")
    hq = HeadquartersFactory(name="قرارگاه اجتماعی البرز")
    other_hq = HeadquartersFactory(name="قرارگاه اجتماعی اصفهان")
    meeting = make_meeting(hq, days_ago=40)
    other_meeting = make_meeting(other_hq, days_ago=40)
    hood = NeighbourhoodFactory(name="حصه")
    rows = {
        "late": make_resolution(
            meeting, responsible=relief, deadline_in_days=-3, text="راه‌اندازی دفتر مشاوره"
        ),
        "soon": make_resolution(meeting, responsible=tvto, deadline_in_days=7),
        "later": make_resolution(meeting, responsible=relief, deadline_in_days=8),
        "undated": make_resolution(meeting, responsible=relief, deadline_in_days=None),
        "cancelled": make_resolution(meeting, responsible=relief, deadline_in_days=-5),
        "elsewhere": make_resolution(other_meeting, responsible=tvto, deadline_in_days=-1),
        "cooperating": make_resolution(other_meeting, responsible=tvto, deadline_in_days=2),
    }
    rows["cooperating"].cooperating.add(relief)
    rows["promise"] = commitment_create(
        title="آسفالت معابر حصه",
        promised_by="شهرداری منطقه ۱۰",
        neighbourhood=hood,
        promiser_partner=relief,
        headquarters=hq,
        due_date=to_jalali(local_today() - datetime.timedelta(days=1)),
    )
    officer = staff_user("officer.relief", "partner_officer", relief)
    officer.email = "relief@example.ir"
    officer.save()
    secretary = staff_user("secretary.alborz", "hq_secretary", hq)
    secretary.email = "alborz@example.ir"
    secretary.save()
    resolution_cancel(resolution=rows["cancelled"], user=secretary, reason="منتفی شد")
    return {**rows, "officer": officer, "secretary": secretary, "relief": relief, "hq": hq}


def codes(rows):
    return [r.pk for r in rows]


def test_partner_officer_digest_holds_their_organisations_work(world):
    digest = digests.digest_for(user=world["officer"], today=local_today())
    assert codes(digest.overdue_resolutions) == [world["late"].pk]
    assert codes(digest.due_resolutions) == [world["cooperating"].pk]
    assert codes(digest.overdue_commitments) == [world["promise"].pk]
    assert digest.due_commitments == []


def test_hq_secretary_digest_holds_their_hqs_work(world):
    digest = digests.digest_for(user=world["secretary"], today=local_today())
    assert codes(digest.overdue_resolutions) == [world["late"].pk]
    assert codes(digest.due_resolutions) == [world["soon"].pk]
    assert codes(digest.overdue_commitments) == [world["promise"].pk]


def test_the_digest_is_one_persian_email_each(world):
    assert overdue_digest_task.delay().get() == {
        "queued": 2,
        "already": 0,
        "empty": 0,
        "no_email": 0,
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["alborz@example.ir", "relief@example.ir"]
    email = next(m for m in mail.outbox if m.to == ["relief@example.ir"])
    j = to_jalali(local_today())
    date = f"{j.year}/{j.month:02d}/{j.day:02d}".translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    )
    assert date in email.subject
    assert "راه‌اندازی دفتر مشاوره" in email.body and "۳" in email.body  # 3 days overdue
    assert "آسفالت معابر حصه" in email.body
    assert "قرارگاه اجتماعی البرز" in email.body
    message = OutboxMessage.objects.get(recipient="relief@example.ir")
    assert message.channel == "email" and message.state == "sent"
    assert message.key == f"digest:{world['officer'].pk}:{j.year:04d}-{j.month:02d}-{j.day:02d}"


def test_a_duplicated_delivery_sends_each_digest_once(world):
    overdue_digest_task.delay().get()
    again = overdue_digest_task.delay().get()
    assert again["queued"] == 0 and again["already"] == 2
    for message in OutboxMessage.objects.all():
        assert outbox_send.delay(message.pk).get() == "sent"
    assert OutboxMessage.objects.count() == 2 and len(mail.outbox) == 2


def test_nothing_to_report_or_no_address_sends_nothing(world):
    secretary = world["secretary"]
    secretary.email = ""
    secretary.save()
    quiet = staff_user("officer.quiet", "partner_officer", PartnerFactory())
    quiet.email = "quiet@example.ir"
    quiet.save()
    counts = overdue_digest_task.delay().get()
    assert counts == {"queued": 1, "already": 0, "empty": 1, "no_email": 1}
    assert [m.to for m in mail.outbox] == [["relief@example.ir"]]


def _freeze(monkeypatch, moment: datetime.datetime):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_no_digest_on_a_friday_in_tehran(world, monkeypatch):
    # Friday 1403/01/17, 08:00 in Tehran (04:30 UTC).
    _freeze(monkeypatch, datetime.datetime(2024, 4, 5, 8, 0, tzinfo=TEHRAN))
    assert to_jalali(local_today()).weekday() == 6
    assert overdue_digest_task.delay().get() == "friday"
    assert not OutboxMessage.objects.exists() and mail.outbox == []


def test_the_tehran_date_decides_not_the_utc_one(monkeypatch, request):
    # Saturday 1403/01/18, 08:00 in Tehran: the digest goes out.
    _freeze(monkeypatch, datetime.datetime(2024, 4, 6, 8, 0, tzinfo=TEHRAN))
    request.getfixturevalue("world")
    assert overdue_digest_task.delay().get()["queued"] == 2
    assert OutboxMessage.objects.filter(key__endswith=":1403-01-18").count() == 2
    # Thursday 22:00 UTC is already Friday 01:30 in Tehran: nothing, even by hand.
    _freeze(monkeypatch, datetime.datetime(2024, 4, 11, 22, 0, tzinfo=datetime.UTC))
    assert overdue_digest_task.delay().get() == "friday"
    assert overdue_digest_task.delay(on="2024-04-12").get() == "friday"
    assert OutboxMessage.objects.count() == 2
