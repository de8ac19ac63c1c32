"""Demo: counselling and job guidance at the Isfahan centre: a counsellor with weekly hours,
bookings of the coming days, and one session held, with its notes and referrals."""

import datetime

from centres import services as centre_services
from centres.demo import _user
from centres.models import StaffRole
from trainees import services
from trainees.models import (
    CounsellingBooking,
    CounsellingNoteAccess,
    CounsellingTopic,
    CounsellorAvailability,
)

R = StaffRole.Role
# The topics every centre starts with (the same list as migration 0011).
DEFAULT_TOPICS = [
    "راهنمایی شغلی",
    "راه‌اندازی کسب‌وکار خانگی",
    "مشاوره خانواده",
    "ارجاع درمان اعتیاد",
    "مشاوره حقوقی و بیمه",
]
COUNSELLOR = "counsellor.isfahan"


def seed(context: dict) -> dict:
    centre = context["centres"]["isfahan"]
    counsellor = _user(COUNSELLOR, "نرگس", "امینی")
    if not StaffRole.objects.filter(user=counsellor, role=R.COUNSELLOR).exists():
        centre_services.staff_role_assign(user=counsellor, role=R.COUNSELLOR, scope=centre)
    # Saturday to Wednesday, 09:00 to 13:00, in 45-minute slots.
    for weekday in range(5):
        CounsellorAvailability.objects.get_or_create(
            centre=centre,
            counsellor=counsellor,
            weekday=weekday,
            defaults={
                "start_time": datetime.time(9),
                "end_time": datetime.time(13),
                "slot_minutes": 45,
            },
        )
    accounts = [*context.get("accounts", []), (COUNSELLOR, "Isfahan centre (counsellor)")]
    if CounsellingBooking.objects.filter(centre=centre).exists():
        return {"accounts": accounts}

    # The migration seeds the topics; a database flushed since (tests) gets them here.
    for order, name in enumerate(DEFAULT_TOPICS, start=1):
        CounsellingTopic.objects.get_or_create(name=name, defaults={"order": order})
    job = CounsellingTopic.objects.get(name=DEFAULT_TOPICS[0])
    home = CounsellingTopic.objects.get(name=DEFAULT_TOPICS[1])
    slots = services.counselling_slots(centre=centre)
    staff = context["users"]["staff.isfahan"]
    trainee = context.get("trainees", {}).get("minakari", [None])[0]
    held = services.counselling_book(
        centre=centre,
        slot_key=slots[0].key,
        topic=home,
        trainee=trainee,
        name="" if trainee else "لیلا رحیمی",
        mobile="" if trainee else "09131234001",
        booked_by=staff,
    )
    services.counselling_book(
        centre=centre, slot_key=slots[1].key, topic=job, name="سمیه قاسمی", mobile="09131234002"
    )
    services.counselling_book(
        centre=centre, slot_key=slots[2].key, topic=job, name="امیر حسینی", mobile="09131234003"
    )
    # The session held a month ago: the demo moves the first booking into the past (a
    # booking is only ever made ahead), then records it the way the counsellor does.
    past = held.starts_at - datetime.timedelta(days=28)
    CounsellingBooking.objects.filter(pk=held.pk).update(
        starts_at=past, ends_at=past + (held.ends_at - held.starts_at)
    )
    held.refresh_from_db()
    services.counselling_session_record(
        booking=held,
        attended=True,
        notes="برای راه‌اندازی کارگاه خانگی میناکاری به سرمایه اولیه نیاز دارد؛ "
        "همسرش بیکار است. پیگیری وام خوداشتغالی.",
        by=counsellor,
    )
    services.counselling_refer(
        booking=held,
        kind="partner",
        partner=context["partners"]["relief"],
        request="معرفی برای وام خوداشتغالی کسب‌وکار خانگی",
        by=counsellor,
    )
    services.counselling_refer(
        booking=held, kind="job", job="کارگاه میناکاری استاد کریمی، خیابان حصه", by=counsellor
    )
    admin = context["users"]["admin"]
    if not CounsellingNoteAccess.objects.filter(booking=held).exists():
        services.counselling_notes_break_glass(
            booking=held, user=admin, reason="بازبینی کیفیت مشاوره به درخواست مدیر استان"
        )
    return {"accounts": accounts}
