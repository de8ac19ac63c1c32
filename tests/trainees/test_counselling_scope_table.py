"""Counselling notes × every role: who reads them (the model's scope, the booking's admin
page, its history page), and that no API answer, admin export or history page carries them
for anyone else. Two sides, "own" (the notes' centre) and "foreign"."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from centres.models import Headquarters
from tests.centres.factories import (
    CentreFactory,
    CityFactory,
    HeadquartersFactory,
    PartnerFactory,
    UserFactory,
    staff_user,
)
from tests.trainees.counselling_world import book, counsellor_at, held
from tests.trainees.factories import TraineeFactory
from trainees import services
from trainees.models import CounsellingBooking, CounsellingNote

pytestmark = pytest.mark.django_db

SECRET = "یادداشت محرمانه جلسه: خشونت خانگی"

# Role -> whether it reads the own centre's notes. Nobody reads the foreign side's.
READS_NOTES = {
    "counsellor_author": True,
    "centre_manager": True,
    "counsellor_other": False,
    "centre_staff": False,
    "reviewer": False,
    "viewer": False,
    "hq_secretary": False,
    "hq_national": False,
    "council_member": False,
    "partner_officer": False,
    "administrator": False,  # not without a recorded reason (break-glass)
    "superuser": False,
    "resident": False,
    "anonymous": False,
}


@pytest.fixture
def world():
    city = CityFactory(name="اصفهان", province__name="اصفهان")
    centre = CentreFactory(name="مرکز اصفهان", city=city)
    foreign = CentreFactory(name="مرکز کرج", city__name="کرج", city__province__name="البرز")
    hq = HeadquartersFactory(
        name="قرارگاه اصفهان", level=Headquarters.Level.CITY, province=city.province, city=city
    )
    national = HeadquartersFactory(name="قرارگاه ملی", level=Headquarters.Level.NATIONAL)
    partner = PartnerFactory(name="کمیته امداد اصفهان")
    author = counsellor_at(centre, "counsellor.own")
    trainee = TraineeFactory(registered_at=centre, mobile="09121110001")
    resident = UserFactory(username="09121110001")
    trainee.user = resident
    trainee.save()
    booking = held(book(centre, trainee=trainee, user=resident), by=author, notes=SECRET)
    services.counselling_refer(
        booking=booking, kind="partner", partner=partner, request="معرفی", by=author
    )
    foreign_author = counsellor_at(foreign, "counsellor.foreign")
    foreign_booking = held(book(foreign, mobile="09121110002"), by=foreign_author, notes=SECRET)
    users = {
        "counsellor_author": author,
        "centre_manager": staff_user("manager.own", "centre_manager", centre),
        "counsellor_other": counsellor_at(centre, "counsellor.other"),
        "centre_staff": staff_user("staff.own", "centre_staff", centre),
        "reviewer": staff_user("reviewer.own", "reviewer", centre),
        "viewer": staff_user("viewer.own", "viewer", centre),
        "hq_secretary": staff_user("secretary.own", "hq_secretary", hq),
        "hq_national": staff_user("secretary.national", "hq_secretary", national),
        "council_member": staff_user("council.own", "council_member", city),
        "partner_officer": staff_user("partner.own", "partner_officer", partner),
        "administrator": staff_user("admin.role", "administrator"),
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
        "resident": resident,
        "anonymous": None,
    }
    return {"users": users, "booking": booking, "foreign": foreign_booking}


@pytest.mark.parametrize("role", sorted(READS_NOTES))
def test_counselling_notes_scope_table(world, role, client):
    user = world["users"][role]
    booking, foreign = world["booking"], world["foreign"]
    if user is not None:
        visible = set(CounsellingNote.objects.visible_to(user).values_list("booking", flat=True))
        assert (booking.pk in visible) is READS_NOTES[role]
        assert foreign.pk not in visible
        client.force_login(user)
    # The booking's admin page shows the notes only to those who read them.
    page = client.get(reverse("admin:trainees_counsellingbooking_change", args=[booking.pk]))
    body = page.content.decode()
    if READS_NOTES[role]:
        assert page.status_code == 200 and SECRET in body
    else:
        assert SECRET not in body
    # Never on a history page, a list, or the foreign side's page.
    for url in (
        reverse("admin:trainees_counsellingbooking_history", args=[booking.pk]),
        reverse("admin:trainees_counsellingbooking_changelist"),
        reverse("admin:trainees_counsellingreferral_changelist"),
        reverse("admin:trainees_counsellingbooking_change", args=[foreign.pk]),
    ):
        assert SECRET not in client.get(url).content.decode(), url


@pytest.mark.parametrize("role", sorted(READS_NOTES))
def test_no_api_answer_carries_counselling_notes(world, role):
    api = APIClient()
    user = world["users"][role]
    if user is not None:
        api.force_authenticate(user)
    for name in (
        "trainee",
        "enrolment",
        "outcome",
        "centre",
        "attendance",
        "idea",
        "meeting",
        "resolution",
        "commitment",
    ):
        response = api.get(reverse(f"api:{name}-list"))
        assert SECRET not in response.content.decode(), name
    assert SECRET not in api.get(reverse("api:me")).content.decode()


def test_the_booking_history_has_no_notes_column():
    fields = {f.name for f in CounsellingBooking.history.model._meta.get_fields()}
    assert "note" not in fields and "text" not in fields


def test_a_break_glass_reading_opens_the_notes_to_that_administrator_only(world, client):
    admin, other = world["users"]["administrator"], world["users"]["superuser"]
    booking = world["booking"]
    client.force_login(admin)
    url = reverse("admin:trainees_counsellingbooking_notes", args=[booking.pk])
    refused = client.post(url, {"reason": "کوتاه"})
    assert SECRET not in refused.content.decode()
    assert refused.context["form"].has_error("reason", "reason_required")
    opened = client.post(url, {"reason": "درخواست رسمی دادستانی به شماره ۱۲۳"})
    assert SECRET in opened.content.decode()
    assert not CounsellingNote.objects.visible_to(other).exists()
    # The centre's manager sees the reading and its reason.
    client.force_login(world["users"]["centre_manager"])
    log = client.get(reverse("admin:trainees_counsellingnoteaccess_changelist"))
    assert "دادستانی" in log.content.decode()
    # A non-administrator cannot break the glass.
    client.force_login(world["users"]["centre_manager"])
    assert client.post(url, {"reason": "x" * 20}).status_code == 403
