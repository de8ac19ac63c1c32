"""Demo meetings, resolutions and the 1401 asphalt commitment, from ../shared/DOMAIN.md.

Built through the services; idempotent (each block looks for what it would create first).
"""

import datetime
import io

import jdatetime
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from empowerment.kernel.jalali import local_today

from . import meetings as services
from . import news
from .models import Commitment, Meeting

J = jdatetime.date


def _alborz_73rd(context: dict) -> Meeting:
    hq = context["headquarters"]["alborz"]
    existing = Meeting.objects.filter(headquarters=hq, number=73).first()
    if existing:
        return existing
    partners = context["partners"]
    relief, tvto, governorate = partners["relief"], partners["tvto"], partners["governorate"]
    meeting = services.meeting_create(
        body=hq,
        number=73,
        kind=Meeting.Kind.REGULAR,
        date=J(1403, 12, 27),  # Monday, 17 March 2025
        start_time=datetime.time(10, 0),
        venue="سالن شهدای دولت استانداری البرز",
        chair="معاون وزیر کشور و رئیس قرارگاه ملی توانمندسازی محلات کم‌برخوردار",
        duration_hours=3,
        minutes=(
            "استان البرز به عنوان پایلوت ملی طرح‌های جدید توانمندسازی محلات کم‌برخوردار "
            "معرفی شد. اولویت‌ها: زیرساخت، ظرفیت اقتصادی و اجتماعی، آموزش و اشتغال ساکنان "
            "به‌ویژه جوانان و زنان، و هماهنگی همه دستگاه‌ها."
        ),
        attendees=[
            ("", "معاون وزیر کشور", None),
            ("", "استاندار البرز", governorate),
            ("", "نماینده کمیته امداد", relief),
            ("", "نماینده سازمان آموزش فنی و حرفه‌ای", tvto),
        ],
        agenda=[
            "انتخاب البرز به عنوان پایلوت ملی توانمندسازی",
            "مراکز مشاوره و هدایت شغلی",
            "مشاغل خانگی و کارگاه‌های کوچک تولیدی",
            "دوره‌های مهارت فنی و حرفه‌ای برای جوانان و زنان",
        ],
    )
    secretary = context["users"]["secretary.alborz"]
    officer = context["users"]["officer.relief"]
    plan = [
        # (text, responsible, co-operating, deadline, [(date, %, note, reporter)])
        (
            "راه‌اندازی مراکز مشاوره و هدایت شغلی در محلات کم‌برخوردار استان",
            tvto,
            [governorate],
            J(1404, 6, 31),
            [
                (J(1404, 2, 15), 50, "مکان دو مرکز در کرج تعیین شد.", secretary),
                (J(1404, 6, 20), 100, "دو مرکز مشاوره شغلی افتتاح شد.", secretary),
            ],
        ),
        (
            "حمایت از راه‌اندازی مشاغل خانگی برای زنان سرپرست خانوار",
            relief,
            [governorate],
            J(1404, 9, 30),
            [(J(1404, 5, 10), 40, "۱۲۰ پرونده تسهیلات مشاغل خانگی تشکیل شد.", officer)],
        ),
        (
            "برگزاری دوره‌های مهارت فنی و حرفه‌ای برای جوانان و زنان محلات",
            tvto,
            [relief],
            J(1404, 12, 29),
            [
                (J(1404, 8, 1), 60, "شش دوره آغاز شد.", secretary),
                (J(1405, 1, 25), 100, "دوره‌ها با ۳۱۰ نفر فراگیر به پایان رسید.", secretary),
            ],
        ),
        (
            "ایجاد فضاهای آموزشی و کارگاه‌های کوچک تولیدی در محلات هدف",
            governorate,
            [],
            J(1405, 6, 31),
            [],
        ),
        (
            "آموزش هوش مصنوعی از دوره ابتدایی و حمایت از استارتاپ‌های مدرسه‌ای",
            governorate,
            [tvto],
            J(1406, 6, 31),
            [(J(1405, 3, 1), 20, "برنامه درسی آزمایشی تدوین شد.", secretary)],
        ),
    ]
    today = local_today()
    for text, responsible, cooperating, deadline, reports in plan:
        resolution = services.resolution_create(
            meeting=meeting,
            text=text,
            responsible=responsible,
            cooperating=cooperating,
            deadline=deadline,
        )
        for reported_on, progress, note, reporter in reports:
            if reported_on.togregorian() > today:
                continue
            services.resolution_follow_up_add(
                resolution=resolution,
                user=reporter,
                progress=progress,
                note=note,
                reported_on=reported_on,
            )
    return meeting


# The Isfahan centre's opportunity-finding meetings: 40 sessions of 6 hours = 240 hours.
OPPORTUNITY_SESSIONS = 40
OPPORTUNITY_HOURS = 6


def _isfahan_opportunity_meetings(context: dict) -> None:
    centre = context["centres"]["isfahan"]
    if Meeting.objects.filter(centre=centre, kind=Meeting.Kind.OPPORTUNITY_FINDING).exists():
        return
    first = J(1400, 7, 3).togregorian()
    topics = ["میناکاری", "فروش محصولات محلی", "غرفه دائمی نمایشگاه", "برند حصه"]
    for index in range(OPPORTUNITY_SESSIONS):
        services.meeting_create(
            body=centre,
            kind=Meeting.Kind.OPPORTUNITY_FINDING,
            date=first + datetime.timedelta(weeks=index),
            start_time=datetime.time(9, 0),
            venue="مرکز توانمندسازی و اشتغال مناطق ۱۰ و ۱۴",
            chair="دبیر مرکز",
            duration_hours=OPPORTUNITY_HOURS,
            agenda=[f"شناسایی فرصت: {topics[index % len(topics)]}"],
        )


def _hesseh_commitment(context: dict) -> Commitment:
    title = "آسفالت و احداث پیاده‌رو معابر محله حصه"
    existing = Commitment.objects.filter(title=title).first()
    if existing:
        return existing
    commitment = services.commitment_create(
        title=title,
        description="شهرداران مناطق وعده دادند تا ابتدای سال ۱۴۰۱ معابر متعددی آسفالت شود.",
        promised_by="شهرداران مناطق ۱۰ و ۱۴ اصفهان",
        promiser_partner=context["partners"]["municipality"],
        neighbourhood=context["neighbourhoods"]["hesseh"],
        location="معابر اصلی و فرعی محله حصه",
        headquarters=context["headquarters"]["hesseh"],
        promised_on=J(1400, 10, 20),
        due_date=J(1401, 1, 1),
        milestones=[("آسفالت معابر اصلی", J(1400, 12, 15)), ("احداث پیاده‌رو", J(1401, 1, 1))],
    )
    services.commitment_milestone_complete(
        milestone=commitment.milestones.get(title="آسفالت معابر اصلی"),
        completed_on=J(1400, 12, 10),
        evidence="گزارش بازدید میدانی قرارگاه جهادی حصه",
        photo=_asphalt_photo(),
    )
    # Residents' comments: one published by the centre's staff, one waiting for them.
    published = services.commitment_comment_submit(
        commitment=commitment,
        name="یکی از ساکنان حصه",
        text="کوچه‌های فرعی هنوز خاکی است؛ پیاده‌رو کی ساخته می‌شود؟",
        ip_address=None,
    )
    news.comment_moderate(
        comments=[published],
        state=published.State.PUBLISHED,
        by=context["users"]["manager.isfahan"],
    )
    services.commitment_comment_submit(
        commitment=commitment,
        name="مریم",
        text="آسفالت خیابان اصلی خوب انجام شد.",
        ip_address=None,
    )
    return commitment


def _asphalt_photo() -> SimpleUploadedFile:
    """A drawn street (no binary committed): grey asphalt, a kerb and white lane marks."""
    image = Image.new("RGB", (800, 450), (120, 170, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 200, 800, 450), fill=(60, 60, 64))
    draw.rectangle((0, 185, 800, 200), fill=(190, 180, 160))
    for x in range(20, 800, 140):
        draw.rectangle((x, 320, x + 80, 332), fill=(245, 245, 245))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("asphalt.png", out.getvalue(), content_type="image/png")


def seed(context: dict) -> dict:
    meeting = _alborz_73rd(context)
    # The secretary publishes the first two resolutions on the public pages (the
    # counselling centres and the courses); the third stays private.
    for resolution in meeting.resolutions.order_by("number")[:2]:
        services.resolution_publish(
            resolution=resolution, user=context["users"]["secretary.alborz"]
        )
    _isfahan_opportunity_meetings(context)
    commitment = _hesseh_commitment(context)
    return {"meetings": {"alborz_73": meeting}, "commitments": {"hesseh_asphalt": commitment}}
