"""Counselling in the admin, driven through the test client: staff book a walk-in, the
counsellor records the session and notes, refers to a partner, whose officer answers."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from tests.centres.factories import PartnerFactory, staff_user
from tests.trainees.counselling_world import book, counsellor_at, held, topic
from trainees import services
from trainees.models import CounsellingBooking, CounsellingNote, CounsellingReferral

pytestmark = pytest.mark.django_db

ADD = "admin:trainees_counsellingbooking_add"
CHANGE = "admin:trainees_counsellingbooking_change"


@pytest.fixture
def counsellor(isfahan):
    topic()
    return counsellor_at(isfahan)


def test_staff_book_a_walk_in(client, isfahan, staff, counsellor):
    client.force_login(staff)
    page = client.get(reverse(ADD))
    assert page.status_code == 200
    slot = services.counselling_slots(centre=isfahan)[0]
    response = client.post(
        reverse(ADD),
        {
            "centre": isfahan.pk,
            "slot": slot.key,
            "topic": topic().pk,
            "name": "رقیه محمدی",
            "mobile": "۰۹۱۳۱۲۳۴۵۶۷",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    booking = CounsellingBooking.objects.get()
    assert booking.booked_by == staff and booking.mobile == "09131234567"
    assert booking.starts_at == slot.starts_at


def test_a_walk_in_on_a_taken_slot_is_refused_with_its_code(client, isfahan, staff, counsellor):
    slot = services.counselling_slots(centre=isfahan)[0]
    book(isfahan, slot=slot)
    client.force_login(staff)
    # The taken slot is no longer offered: the form refuses the choice.
    response = client.post(
        reverse(ADD),
        {
            "centre": isfahan.pk,
            "slot": slot.key,
            "topic": topic().pk,
            "name": "x",
            "mobile": "09131234567",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("slot")
    assert CounsellingBooking.objects.count() == 1


def test_a_foreign_centres_slot_is_refused(client, isfahan, karaj, staff, counsellor):
    counsellor_at(karaj, "counsellor.k")
    client.force_login(staff)
    page = client.get(reverse(ADD))
    keys = [k for k, _label in page.context["adminform"].form.fields["slot"].choices]
    karaj_slot = services.counselling_slots(centre=karaj)[0]
    assert karaj_slot.key not in keys
    response = client.post(
        reverse(ADD),
        {
            "centre": karaj.pk,
            "slot": karaj_slot.key,
            "topic": topic().pk,
            "name": "x",
            "mobile": "09131234567",
        },
    )
    assert response.status_code == 200
    assert not CounsellingBooking.objects.exists()


def test_the_counsellor_records_the_session_and_notes(client, isfahan, counsellor, manager):
    booking = book(isfahan)
    held(booking, by=counsellor, attended=False)  # moved into the past
    client.force_login(counsellor)
    url = reverse(CHANGE, args=[booking.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"attended": "yes", "notes": "نیاز به مهارت‌آموزی خیاطی"})
    assert response.status_code == 302, response.content.decode()[:3000]
    booking.refresh_from_db()
    assert booking.status == "attended"
    assert CounsellingNote.objects.get().text == "نیاز به مهارت‌آموزی خیاطی"
    # The manager reads the booking and the notes but cannot change them.
    client.force_login(manager)
    page = client.get(url)
    assert "نیاز به مهارت‌آموزی خیاطی" in page.content.decode()
    client.post(url, {"attended": "no", "notes": "تغییر"})
    assert CounsellingNote.objects.get().text == "نیاز به مهارت‌آموزی خیاطی"
    # The admin's log keeps no words of the notes.
    assert not LogEntry.objects.filter(change_message__contains="خیاطی").exists()


def test_partner_officer_answers_a_referral_in_the_admin(client, isfahan, counsellor):
    relief = PartnerFactory(name="کمیته امداد")
    officer = staff_user("officer.relief", "partner_officer", relief)
    booking = held(book(isfahan), by=counsellor, notes="محرمانه")
    client.force_login(counsellor)
    response = client.post(
        reverse("admin:trainees_counsellingreferral_add"),
        {"booking": booking.pk, "kind": "partner", "partner": relief.pk, "request": "وام"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    referral = CounsellingReferral.objects.get()
    client.force_login(officer)
    listing = client.get(reverse("admin:trainees_counsellingreferral_changelist"))
    assert listing.status_code == 200 and "محرمانه" not in listing.content.decode()
    url = reverse("admin:trainees_counsellingreferral_change", args=[referral.pk])
    page = client.get(url)
    assert page.status_code == 200 and "محرمانه" not in page.content.decode()
    answered = client.post(url, {"state": "accepted", "answer": "پرونده وام تشکیل شد"})
    assert answered.status_code == 302
    referral.refresh_from_db()
    assert referral.state == "accepted" and referral.answered_by == officer
    # The officer does not open the booking itself.
    assert client.get(reverse(CHANGE, args=[booking.pk])).status_code in (302, 403, 404)
