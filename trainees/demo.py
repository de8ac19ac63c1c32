"""Demo trainees: 80+ invented residents in the minakari cohort at the Isfahan centre,
business-skills and vocational cohorts, attendance, certificates, outcomes, and products
sold at the exhibition. Every name is invented; every national code is valid (generated
with its check digit). Built by the services; idempotent."""

import random

import jdatetime

from programs.models import CohortSession

from . import services
from .models import Attendance, CatalogueEntry, Enrolment, Outcome, Product, Sale, Trainee

FEMALE_NAMES = [
    "مریم", "فاطمه", "زهرا", "سمیه", "نرگس", "لیلا", "الهام", "مهسا", "سارا", "نازنین",
    "طاهره", "رقیه", "معصومه", "زینب", "شیوا", "پریسا", "منیژه", "شهلا", "آزاده", "هانیه",
]  # fmt: skip
MALE_NAMES = ["علی", "محمد", "حسین", "رضا", "مهدی", "امیر", "سعید", "جواد", "حمید", "مجید"]
LAST_NAMES = [
    "کاشانی‌نژاد", "صنعتی", "مینایی", "فیروزه‌فام", "لاجوردی", "زرنگار", "نقش‌آفرین",
    "هنرور", "کوشان", "رادمنش", "پرتوی", "آذرخش", "نیک‌سرشت", "شکیبا", "مهرآیین",
    "روشن‌دل", "سپهری‌فر", "گلریز", "تابان", "بهاروند",
]  # fmt: skip
FATHER_NAMES = ["احمد", "محمود", "عباس", "اکبر", "قاسم", "رسول", "کریم", "ناصر"]


def national_code(serial: int) -> str:
    """A valid, invented national code: nine digits from `serial`, then the check digit."""
    base = f"{(900_000_000 + serial * 7919) % 1_000_000_000:09d}"
    total = sum(int(base[i]) * (10 - i) for i in range(9)) % 11
    return base + str(total if total < 2 else 11 - total)


def _trainee(centre, serial: int, rng: random.Random, neighbourhoods, gender="female"):
    code = national_code(serial)
    existing = Trainee.objects.filter(national_code=code).first()
    if existing:
        return existing
    names = FEMALE_NAMES if gender == "female" else MALE_NAMES
    return services.trainee_register(
        centre=centre,
        first_name=rng.choice(names),
        last_name=rng.choice(LAST_NAMES),
        father_name=rng.choice(FATHER_NAMES),
        national_code=code,
        mobile=f"0913{serial:07d}",
        gender=gender,
        birth_date=jdatetime.date(rng.randint(1350, 1385), rng.randint(1, 12), rng.randint(1, 29)),
        neighbourhood=rng.choice(neighbourhoods),
        education=rng.choice([c for c, _label in Trainee.Education.choices]),
        employment_status=rng.choice(["unemployed", "homemaker", "student", "self_employed"]),
        referral_source=rng.choice([c for c, _label in Trainee.Referral.choices]),
    )


# Residents of Hesseh and Jolvan without an Iranian national code (invented): Afghan
# women with the foreign nationals' card, one with a passport, one with no papers at hand.
FOREIGN_RESIDENTS = [
    # first name, last name, father's name, nationality, foreign code, passport, mobile
    ("گل‌بی‌بی", "احمدی‌زاده", "نورمحمد", "afghan", "210000000101", None, "09139000101"),
    ("شکریه", "رحیمی‌نژاد", "عبدالله", "afghan", "210000000102", None, "09139000102"),
    ("فرشته", "حیدری‌پور", "غلام‌سخی", "afghan", None, "P01234567", ""),
    ("زرغونه", "صدیقی‌فر", "محمدنبی", "afghan", None, None, "09139000104"),
    ("زینب", "الموسوی‌نیا", "جعفر", "iraqi", None, "A9876543", ""),
]


def _foreign_resident(centre, row, neighbourhood, born) -> Trainee:
    first, last, father, nationality, foreign_code, passport, mobile = row
    existing = Trainee.objects.filter(
        first_name=first, last_name=last, father_name=father, registered_at=centre
    ).first()
    return existing or services.trainee_register(
        centre=centre,
        first_name=first,
        last_name=last,
        father_name=father,
        nationality=nationality,
        foreign_code=foreign_code,
        passport_number=passport,
        mobile=mobile,
        gender="female",
        birth_date=born,
        neighbourhood=neighbourhood,
        education="primary",
        employment_status="homemaker",
        referral_source="mosque",
    )


def _enrol(trainee, cohort, on):
    return Enrolment.objects.filter(trainee=trainee, cohort=cohort).first() or (
        services.enrolment_create(trainee=trainee, cohort=cohort, enrolled_on=on)
    )


def _take_attendance(cohort, rng: random.Random, by, absent_rate: float, weak=()):
    enrolments = list(Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.ENROLLED))
    recorded = set(
        Attendance.objects.filter(session__cohort=cohort).values_list("session_id", flat=True)
    )
    for session in CohortSession.objects.filter(cohort=cohort).order_by("date"):
        if session.pk in recorded:
            continue
        marks = {}
        for enrolment in enrolments:
            rate = 0.5 if enrolment.pk in weak else absent_rate
            roll = rng.random()
            marks[enrolment.pk] = (
                "absent" if roll < rate else "excused" if roll < rate + 0.03 else "present"
            )
        services.attendance_record_session(session=session, marks=marks, by=by)


def seed(context: dict) -> dict:
    rng = random.Random(1402)
    centres = context["centres"]
    cohorts = context["cohorts"]
    hoods = context["neighbourhoods"]
    staff = context["users"]["staff.isfahan"]
    isfahan_hoods = [hoods["hesseh"], hoods["jolvan"], hoods["arzanan"]]

    # 84 women and young people of Hesseh and Jolvan in the minakari cohort.
    minakari = [
        _trainee(
            centres["isfahan"],
            serial,
            rng,
            isfahan_hoods,
            gender="male" if serial % 9 == 0 else "female",
        )
        for serial in range(1, 85)
    ]
    for trainee in minakari:
        _enrol(trainee, cohorts["minakari"], jdatetime.date(1402, 6, 25))
    # The first 24 also take the business-skills course, which is then completed.
    for trainee in minakari[:24]:
        _enrol(trainee, cohorts["business"], jdatetime.date(1402, 8, 25))
    # Registered, not yet enrolled: the cohorts' figures stay those of the articles.
    for index, row in enumerate(FOREIGN_RESIDENTS):
        _foreign_resident(
            centres["isfahan"],
            row,
            isfahan_hoods[index % 2],
            jdatetime.date(1370 + index * 3, 1 + index, 10),
        )
    karaj = [
        _trainee(centres["karaj"], serial, rng, [hoods["eslamabad"]]) for serial in range(200, 216)
    ]
    for trainee in karaj:
        _enrol(trainee, cohorts["vocational"], jdatetime.date(1403, 1, 15))

    # One trainee drops out of minakari (reason recorded).
    dropped = Enrolment.objects.get(trainee=minakari[83], cohort=cohorts["minakari"])
    if dropped.status == Enrolment.Status.ENROLLED:
        services.enrolment_drop(
            enrolment=dropped, reason="نقل مکان خانواده به شهر دیگر", on=jdatetime.date(1402, 8, 1)
        )

    weak = set(
        Enrolment.objects.filter(
            cohort=cohorts["business"], trainee__in=minakari[20:24]
        ).values_list("pk", flat=True)
    )
    _take_attendance(cohorts["minakari"], rng, staff, absent_rate=0.08)
    _take_attendance(cohorts["business"], rng, staff, absent_rate=0.05, weak=weak)
    _take_attendance(cohorts["vocational"], rng, context["users"]["staff.karaj"], 0.1)
    business = cohorts["business"]
    business.refresh_from_db()
    if not business.is_closed:
        services.cohort_complete(cohort=business, on=jdatetime.date(1402, 10, 30))

    # Follow-up after the business course.
    certified = list(
        Enrolment.objects.filter(cohort=business, status=Enrolment.Status.CERTIFIED)
        .select_related("trainee")
        .order_by("pk")
    )
    followups = [
        ("employer", 3, 4),
        ("home_business", 3, None),
        ("home_business", 3, None),
        ("employed", 3, None),
        ("home_business", 6, None),
        ("continuing_education", 6, None),
    ]
    for enrolment, (kind, round_, employees) in zip(certified, followups, strict=False):
        if not Outcome.objects.filter(
            enrolment=enrolment, kind=kind, follow_up_round=round_
        ).exists():
            services.outcome_record(
                trainee=enrolment.trainee,
                enrolment=enrolment,
                kind=kind,
                date=jdatetime.date(1403, 2 if round_ == 3 else 5, 10),
                follow_up_round=round_,
                employees_count=employees,
            )

    # What the minakari cohort made, and its sale at the exhibition booth.
    products = {}
    for name, made, price in [
        ("بشقاب میناکاری «حصه»", 40, 18_000_000),
        ("گلدان مینا", 25, 25_000_000),
        ("گوشواره مینا", 60, 4_500_000),
    ]:
        products[name] = Product.objects.filter(
            cohort=cohorts["minakari"], name=name
        ).first() or services.product_create(
            cohort=cohorts["minakari"], name=name, quantity_made=made, unit_price_rials=price
        )
    booth = "غرفه محلات کم‌برخوردار در نمایشگاه بین‌المللی اصفهان"
    for name, day, quantity in [
        ("بشقاب میناکاری «حصه»", jdatetime.date(1403, 2, 15), 22),
        ("گلدان مینا", jdatetime.date(1403, 2, 15), 9),
        ("گوشواره مینا", jdatetime.date(1403, 2, 16), 41),
    ]:
        product = products[name]
        if not Sale.objects.filter(product=product, date=day, place=booth).exists():
            services.sale_record(
                product=product,
                date=day,
                place=booth,
                quantity=quantity,
                amount_rials=quantity * product.unit_price_rials,
            )
    _catalogue(context, business)
    return {"trainees": {"minakari": minakari, "karaj": karaj}}


CATALOGUE = [
    ("کارگاه خانگی مینای آبی", "بشقاب و قاب میناکاری با نقش‌های سنتی اصفهان، سفارش‌پذیر."),
    ("دوخت و سرمه‌دوزی حصه", "کیف و رومیزی سرمه‌دوزی‌شده برای هدیه و نمایشگاه."),
]


def _catalogue(context: dict, business) -> None:
    """Two home businesses of the business course listed with their owners' consent, and a
    resident's message to the first, waiting for the centre's staff."""
    if CatalogueEntry.objects.exists():
        return
    outcomes = Outcome.objects.filter(
        enrolment__cohort=business, kind=Outcome.Kind.HOME_BUSINESS
    ).order_by("pk")
    entries = [
        services.catalogue_entry_create(
            outcome=outcome,
            name=name,
            description=description,
            owner_consents=True,
            user=context["users"]["manager.isfahan"],
        )
        for outcome, (name, description) in zip(outcomes, CATALOGUE, strict=False)
    ]
    if entries:
        services.business_message_send(
            entry=entries[0],
            name="فروشگاه صنایع دستی چهارباغ",
            contact="031-32221100",
            text="برای سفارش ۲۰ بشقاب میناکاری پیش از نوروز تماس بگیرید.",
            ip_address=None,
        )
