"""Demo places, organisations and accounts, from ../shared/DOMAIN.md, built by the services.

Idempotent: each step looks for what it would create first, so running seed_demo again
changes nothing.
"""

import jdatetime
from django.contrib.auth import get_user_model

from . import services
from .models import (
    Centre,
    City,
    District,
    Headquarters,
    Neighbourhood,
    Partner,
    Province,
    StaffRole,
)

DEMO_PASSWORD = "demo-pass-1403"
R = StaffRole.Role


def _user(username: str, first_name: str, last_name: str, *, superuser: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "is_superuser": superuser,
            "is_staff": superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _centre(name: str, **kwargs) -> Centre:
    return Centre.objects.filter(name=name).first() or services.centre_create(name=name, **kwargs)


def _hq(name: str, **kwargs) -> Headquarters:
    return Headquarters.objects.filter(name=name).first() or services.headquarters_create(
        name=name, **kwargs
    )


def seed(context: dict | None = None) -> dict:
    isfahan_province, _ = Province.objects.get_or_create(name="اصفهان")
    alborz, _ = Province.objects.get_or_create(name="البرز")
    isfahan, _ = City.objects.get_or_create(province=isfahan_province, name="اصفهان")
    karaj, _ = City.objects.get_or_create(province=alborz, name="کرج")
    d10, _ = District.objects.get_or_create(city=isfahan, number=10, defaults={"name": "منطقه ۱۰"})
    d14, _ = District.objects.get_or_create(city=isfahan, number=14, defaults={"name": "منطقه ۱۴"})
    d3, _ = District.objects.get_or_create(city=isfahan, number=3, defaults={"name": "منطقه ۳"})
    karaj_d5, _ = District.objects.get_or_create(city=karaj, number=5, defaults={"name": "منطقه ۵"})
    hesseh, _ = Neighbourhood.objects.get_or_create(
        district=d14, name="حصه", defaults={"is_less_privileged": True}
    )
    jolvan, _ = Neighbourhood.objects.get_or_create(
        district=d14, name="جلوان", defaults={"is_less_privileged": True}
    )
    d10_n, _ = Neighbourhood.objects.get_or_create(
        district=d10, name="ارزنان", defaults={"is_less_privileged": True}
    )
    d3_n, _ = Neighbourhood.objects.get_or_create(district=d3, name="جلفا")
    karaj_n, _ = Neighbourhood.objects.get_or_create(
        district=karaj_d5, name="اسلام‌آباد", defaults={"is_less_privileged": True}
    )

    relief, _ = Partner.objects.get_or_create(
        name="کمیته امداد امام خمینی", defaults={"kind": Partner.Kind.RELIEF}
    )
    tvto, _ = Partner.objects.get_or_create(
        name="سازمان آموزش فنی و حرفه‌ای", defaults={"kind": Partner.Kind.TVTO}
    )
    municipality, _ = Partner.objects.get_or_create(
        name="شهرداری اصفهان",
        defaults={"kind": Partner.Kind.MUNICIPALITY, "province": isfahan_province},
    )
    governorate, _ = Partner.objects.get_or_create(
        name="استانداری البرز", defaults={"kind": Partner.Kind.GOVERNMENT, "province": alborz}
    )
    council, _ = Partner.objects.get_or_create(
        name="شورای اسلامی شهر اصفهان",
        defaults={"kind": Partner.Kind.COUNCIL, "province": isfahan_province},
    )

    isfahan_centre = _centre(
        "مرکز توانمندسازی و اشتغال مناطق ۱۰ و ۱۴ اصفهان",
        city=isfahan,
        districts=[d10, d14],
        neighbourhoods=[hesseh, jolvan, d10_n],
        opening_date=jdatetime.date(1400, 10, 20),
        address="اصفهان، منطقه ۱۴، محله حصه",
        phone="03133000000",
    )
    karaj_centre = _centre(
        "مرکز توانمندسازی و اشتغال کرج",
        city=karaj,
        districts=[karaj_d5],
        neighbourhoods=[karaj_n],
        opening_date=jdatetime.date(1402, 7, 1),
        address="کرج، منطقه ۵",
        phone="02634000000",
    )

    national = _hq("قرارگاه ملی توانمندسازی محلات کم‌برخوردار", level=Headquarters.Level.NATIONAL)
    alborz_hq = _hq(
        "قرارگاه اجتماعی استان البرز",
        level=Headquarters.Level.PROVINCIAL,
        parent=national,
        province=alborz,
    )
    hesseh_hq = _hq(
        "قرارگاه جهادی شهید حاج قاسم سلیمانی محله حصه",
        level=Headquarters.Level.NEIGHBOURHOOD,
        parent=national,
        neighbourhood=hesseh,
        centre=isfahan_centre,
    )

    accounts = [
        ("admin", "مدیر", "سامانه", R.ADMINISTRATOR, None, "everything"),
        ("manager.isfahan", "مریم", "کاظمی", R.CENTRE_MANAGER, isfahan_centre, "Isfahan centre"),
        ("staff.isfahan", "زهرا", "نوروزی", R.CENTRE_STAFF, isfahan_centre, "Isfahan centre"),
        ("staff.karaj", "سارا", "رضایی", R.CENTRE_STAFF, karaj_centre, "Karaj centre"),
        ("council.isfahan", "حسین", "مرادی", R.COUNCIL_MEMBER, isfahan, "Isfahan city"),
        ("secretary.alborz", "علی", "صادقی", R.HQ_SECRETARY, alborz_hq, "Social HQ of Alborz"),
        ("officer.relief", "فاطمه", "احمدی", R.PARTNER_OFFICER, relief, "Relief Committee"),
        ("reviewer.isfahan", "رضا", "کریمی", R.REVIEWER, isfahan_centre, "Isfahan centre"),
    ]
    users = {}
    for username, first, last, role, scope, _label in accounts:
        user = _user(username, first, last, superuser=role == R.ADMINISTRATOR)
        services.staff_role_assign(user=user, role=role, scope=scope)
        users[username] = user

    return {
        "provinces": {"isfahan": isfahan_province, "alborz": alborz},
        "cities": {"isfahan": isfahan, "karaj": karaj},
        "districts": {"d10": d10, "d14": d14, "d3": d3, "karaj_d5": karaj_d5},
        "neighbourhoods": {
            "hesseh": hesseh,
            "jolvan": jolvan,
            "arzanan": d10_n,
            "jolfa": d3_n,
            "eslamabad": karaj_n,
        },
        "partners": {
            "relief": relief,
            "tvto": tvto,
            "municipality": municipality,
            "governorate": governorate,
            "council": council,
        },
        "centres": {"isfahan": isfahan_centre, "karaj": karaj_centre},
        "headquarters": {"national": national, "alborz": alborz_hq, "hesseh": hesseh_hq},
        "users": users,
        "accounts": [(u, label) for u, _f, _l, _r, _s, label in accounts],
        "password": DEMO_PASSWORD,
    }
