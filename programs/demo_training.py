"""Demo programmes and cohorts (DOMAIN.md: 80+ people trained in minakari at the Isfahan
centre, with business training; vocational courses; AI for children). Built by the
services; idempotent."""

import datetime

import jdatetime

from empowerment.kernel.jalali import today_jalali
from programs.models import Cohort, Programme
from programs.services import training as services

F = Programme.Field


def _programme(title: str, **kwargs) -> Programme:
    return Programme.objects.filter(title=title).first() or services.programme_create(
        title=title, **kwargs
    )


def _cohort(code: str, **kwargs) -> Cohort:
    return Cohort.objects.filter(code=code).first() or services.cohort_create(code=code, **kwargs)


def seed(context: dict) -> dict:
    partners = context["partners"]
    centres = context["centres"]
    minakari = _programme(
        "میناکاری",
        field=F.HANDICRAFT,
        total_hours=120,
        target_groups=["women", "youth"],
        partner=partners["tvto"],
        description="آموزش هنر میناکاری برای ساکنان محله حصه، با هدف ساختن محصول با نام محله.",
    )
    business = _programme(
        "مهارت‌های کسب‌وکار",
        field=F.BUSINESS,
        total_hours=24,
        target_groups=["women", "youth"],
        partner=partners["relief"],
        description="از ایده تا فروش: قیمت‌گذاری، بازاریابی و فروش در نمایشگاه و فضای مجازی.",
    )
    vocational = _programme(
        "دوره فنی و حرفه‌ای خیاطی",
        field=F.VOCATIONAL,
        total_hours=200,
        target_groups=["women"],
        partner=partners["tvto"],
    )
    ai_children = _programme(
        "هوش مصنوعی برای کودکان",
        field=F.DIGITAL,
        total_hours=30,
        target_groups=["children"],
    )

    minakari_cohort = _cohort(
        "MNK-1402-1",
        programme=minakari,
        centre=centres["isfahan"],
        title="میناکاری، دوره نخست حصه",
        instructor="استاد مهین صنعتگر",
        start_date=jdatetime.date(1402, 7, 1),
        end_date=jdatetime.date(1402, 12, 20),
        weekly_schedule="شنبه و دوشنبه، ساعت ۹ تا ۱۲",
        capacity=90,
        min_attendance_percent=75,
        status=Cohort.Status.RUNNING,
    )
    business_cohort = _cohort(
        "BUS-1402-1",
        programme=business,
        centre=centres["isfahan"],
        title="مهارت‌های کسب‌وکار برای هنرجویان میناکاری",
        instructor="مهندس کاوه تدبیر",
        start_date=jdatetime.date(1402, 9, 1),
        end_date=jdatetime.date(1402, 10, 30),
        weekly_schedule="چهارشنبه‌ها، ساعت ۱۶ تا ۱۹",
        capacity=30,
        min_attendance_percent=70,
        status=Cohort.Status.RUNNING,
    )
    vocational_cohort = _cohort(
        "VOC-1403-1",
        programme=vocational,
        centre=centres["karaj"],
        title="خیاطی، دوره نخست کرج",
        instructor="خانم نرگس دوزنده",
        start_date=jdatetime.date(1403, 1, 20),
        end_date=jdatetime.date(1403, 6, 30),
        weekly_schedule="یکشنبه و سه‌شنبه، ساعت ۸ تا ۱۲",
        capacity=20,
        status=Cohort.Status.RUNNING,
    )
    ai_cohort = _cohort(
        "AIK-1404-1",
        programme=ai_children,
        centre=centres["isfahan"],
        title="هوش مصنوعی برای کودکان، تابستان",
        instructor="مهندس سپیده رایان",
        start_date=jdatetime.date(1404, 4, 1),
        end_date=jdatetime.date(1404, 5, 31),
        weekly_schedule="پنجشنبه‌ها، ساعت ۱۰ تا ۱۲",
        capacity=25,
    )

    # A cohort that opens next season, so that the public centre page has a course open for
    # registration whenever the demo is loaded. Its code carries its start month, so a seed
    # run in the same month finds it again.
    today = today_jalali()
    start_month = today.month + 2
    start_year = today.year + (start_month - 1) // 12
    start_month = (start_month - 1) % 12 + 1
    next_start = jdatetime.date(start_year, start_month, 1)
    next_minakari = _cohort(
        f"MNK-{start_year}-{start_month:02d}",
        programme=minakari,
        centre=centres["isfahan"],
        title="میناکاری، دوره تازه حصه",
        instructor="استاد مهین صنعتگر",
        start_date=next_start,
        end_date=next_start + datetime.timedelta(days=120),
        weekly_schedule="شنبه و دوشنبه، ساعت ۹ تا ۱۲",
        capacity=40,
        min_attendance_percent=75,
    )

    # Saturdays (0) and Mondays (2); Wednesdays (4); Sundays (1) and Tuesdays (3).
    services.cohort_sessions_schedule(
        cohort=minakari_cohort, weekdays=[0, 2], start_time=datetime.time(9), hours=3, count=12
    )
    services.cohort_sessions_schedule(
        cohort=business_cohort, weekdays=[4], start_time=datetime.time(16), hours=3, count=8
    )
    services.cohort_sessions_schedule(
        cohort=vocational_cohort, weekdays=[1, 3], start_time=datetime.time(8), hours=4, count=10
    )
    return {
        "programmes": {
            "minakari": minakari,
            "business": business,
            "vocational": vocational,
            "ai_children": ai_children,
        },
        "cohorts": {
            "minakari": minakari_cohort,
            "business": business_cohort,
            "vocational": vocational_cohort,
            "ai_children": ai_cohort,
            "minakari_next": next_minakari,
        },
    }
