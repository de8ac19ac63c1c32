"""A meeting's minutes as a PDF (centres/documents.py over the kernel's renderer), printed
from the meeting's change page by the body's secretary."""

import datetime

import jdatetime
import pypdfium2
import pytest
from django.urls import reverse

from centres import selectors
from centres.documents import minutes_context, minutes_pdf
from empowerment.kernel import documents as kernel_documents
from tests.centres.factories import (
    CentreFactory,
    HeadquartersFactory,
    PartnerFactory,
    make_meeting,
    make_resolution,
    staff_user,
)
from trainees import documents as trainee_documents

pytestmark = pytest.mark.django_db


@pytest.fixture
def alborz():
    hq = HeadquartersFactory(name="قرارگاه اجتماعی استان البرز")
    relief = PartnerFactory(name="کمیته امداد")
    tvto = PartnerFactory(name="سازمان آموزش فنی و حرفه‌ای")
    welfare = PartnerFactory(name="اداره کل بهزیستی")
    meeting = make_meeting(
        hq,
        number=73,
        date=jdatetime.date(1403, 12, 27),
        start_time=datetime.time(10, 30),
        venue="سالن شهدای دولت استانداری",
        chair="معاون وزیر کشور",
        attendees=[("استاندار البرز", "", None), ("", "نماینده", relief)],
        agenda=["مشاغل خانگی", "مراکز مشاوره و هدایت شغلی"],
    )
    first = make_resolution(
        meeting,
        responsible=relief,
        text="راه‌اندازی مراکز مشاوره شغلی",
        deadline=jdatetime.date(1404, 3, 31),
    )
    first.cooperating.set([tvto, welfare])
    make_resolution(
        meeting,
        responsible=tvto,
        text="دوره‌های فنی و حرفه‌ای برای جوانان و زنان",
        deadline_in_days=None,
    )
    return {"hq": hq, "meeting": meeting, "relief": relief, "tvto": tvto}


def pdf_url(meeting_id):
    return reverse("admin:centres_meeting_minutes_pdf", args=[meeting_id])


def pdf_text(body: bytes) -> str:
    document = pypdfium2.PdfDocument(body)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_the_secretary_prints_the_minutes(client, alborz):
    secretary = staff_user("secretary.alborz", "hq_secretary", alborz["hq"])
    client.force_login(secretary)
    meeting = alborz["meeting"]
    page = client.get(reverse("admin:centres_meeting_change", args=[meeting.pk]))
    assert pdf_url(meeting.pk).encode() in page.content
    response = client.get(pdf_url(meeting.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    # The meeting's number, its date's year and day and the resolutions' codes, in
    # Persian digits (digits are not shaped: text extraction reads them as they are).
    assert "۷۳" in text
    assert "۱۴۰۳" in text and "۲۷" in text
    assert "۱۰:۳۰" in text
    assert "۷۳-۱" in text and "۷۳-۲" in text
    assert "۱۴۰۴" in text  # the first resolution's deadline


@pytest.mark.wording
def test_the_minutes_are_persian_whatever_the_browser_asked_for(client, alborz):
    client.force_login(staff_user("secretary.alborz", "hq_secretary", alborz["hq"]))
    response = client.get(pdf_url(alborz["meeting"].pk), HTTP_ACCEPT_LANGUAGE="en")
    text = pdf_text(response.content)
    for english in ("Minutes", "Attendees", "Agenda", "Code", "Place", "signature"):
        assert english not in text


def test_the_minutes_hold_every_part(alborz):
    secretary = staff_user("secretary.alborz", "hq_secretary", alborz["hq"])
    minutes = selectors.meeting_minutes(user=secretary, meeting_id=alborz["meeting"].pk)
    context = minutes_context(minutes)
    assert context["body"] == "قرارگاه اجتماعی استان البرز"
    assert context["number"] == "۷۳"
    assert context["date"] == "۲۷ اسفند ۱۴۰۳"
    assert context["time"] == "۱۰:۳۰"
    assert context["meeting"].venue == "سالن شهدای دولت استانداری"
    assert [str(a) for a in context["attendees"]] == ["استاندار البرز", "نماینده، کمیته امداد"]
    assert [item["title"] for item in context["agenda"]] == [
        "مشاغل خانگی",
        "مراکز مشاوره و هدایت شغلی",
    ]
    first, second = context["resolutions"]
    assert first["code"] == "۷۳-۱" and first["responsible"] == "کمیته امداد"
    # By name, as the organisations are listed everywhere.
    assert first["cooperating"] == "اداره کل بهزیستی، سازمان آموزش فنی و حرفه‌ای"
    assert first["deadline"] == "۳۱ خرداد ۱۴۰۴"
    assert second["code"] == "۷۳-۲" and second["cooperating"] == "" and second["deadline"] == ""


def test_the_minutes_are_read_in_constant_queries(alborz, django_assert_max_num_queries):
    secretary = staff_user("secretary.alborz", "hq_secretary", alborz["hq"])
    for n in range(10):
        make_resolution(alborz["meeting"], responsible=alborz["relief"], text=f"مصوبه {n}")
    selectors.meeting_minutes(user=secretary, meeting_id=alborz["meeting"].pk)  # roles cached
    # meeting and body, attendees, agenda, resolutions, their co-operating organisations
    with django_assert_max_num_queries(5):
        minutes = selectors.meeting_minutes(user=secretary, meeting_id=alborz["meeting"].pk)
        assert len(minutes_context(minutes)["resolutions"]) == 12


def test_the_secretary_of_another_headquarters_gets_404(client, alborz):
    other = staff_user("secretary.isfahan", "hq_secretary", HeadquartersFactory())
    client.force_login(other)
    assert client.get(pdf_url(alborz["meeting"].pk)).status_code == 404


def test_a_forged_id_gets_404(client, alborz):
    client.force_login(staff_user("secretary.alborz", "hq_secretary", alborz["hq"]))
    assert client.get(pdf_url(alborz["meeting"].pk + 1000)).status_code == 404


def test_a_centres_staff_do_not_print_a_headquarters_minutes(client, alborz):
    client.force_login(staff_user("staff.c", "centre_staff", CentreFactory()))
    assert client.get(pdf_url(alborz["meeting"].pk)).status_code in (403, 404)


def test_a_partner_officer_prints_what_concerns_their_organisation(client, alborz):
    """A partner officer reads the meeting through the resolutions assigned to their
    organisation, and only those: the minutes they print hold no other resolution."""
    officer = staff_user("officer.tvto", "partner_officer", alborz["tvto"])
    minutes = selectors.meeting_minutes(user=officer, meeting_id=alborz["meeting"].pk)
    assert minutes is not None
    # Responsible for 73-2, co-operating on 73-1.
    assert [r.code for r in minutes.resolutions] == ["73-1", "73-2"]
    welfare_only = staff_user("officer.other", "partner_officer", PartnerFactory())
    assert selectors.meeting_minutes(user=welfare_only, meeting_id=alborz["meeting"].pk) is None
    client.force_login(welfare_only)
    assert client.get(pdf_url(alborz["meeting"].pk)).status_code == 404


def test_the_page_is_laid_out_right_to_left(alborz):
    """Rendered (PDFium), the first page carries ink, and more of it on the right half than
    the left: the facts, lists and table start on the right as Persian does. A coarse
    measure, far from any anti-aliasing difference."""
    secretary = staff_user("secretary.alborz", "hq_secretary", alborz["hq"])
    body = minutes_pdf(selectors.meeting_minutes(user=secretary, meeting_id=alborz["meeting"].pk))
    document = pypdfium2.PdfDocument(body)
    image = document[0].render(scale=1).to_pil().convert("L")
    width, height = image.size
    assert height > width  # A4 portrait
    ink = image.point(lambda v: 255 if v < 128 else 0)
    right = ink.crop((width // 2, 0, width, height)).histogram()[255]
    left = ink.crop((0, 0, width // 2, height)).histogram()[255]
    assert left + right > 2000, "the page has text"
    assert right > 1.3 * left


def test_the_certificate_renders_through_the_kernel():
    """The certificate and the minutes share one renderer: no second copy of it."""
    assert trainee_documents.render_pdf is kernel_documents.render_pdf
    assert not hasattr(trainee_documents, "FontsOnly")
    assert not hasattr(trainee_documents, "HTML")


def test_a_centres_manager_prints_the_centres_own_meeting(client):
    centre = CentreFactory(name="مرکز توانمندسازی مناطق ۱۰ و ۱۴")
    meeting = make_meeting(centre, number=12, kind="opportunity", agenda=["فرصت‌های شغلی حصه"])
    make_resolution(meeting, responsible=PartnerFactory(name="شهرداری منطقه ۱۴"))
    client.force_login(staff_user("manager.c", "centre_manager", centre))
    response = client.get(pdf_url(meeting.pk))
    assert response.status_code == 200
    assert "۱۲-۱" in pdf_text(response.content)
    client.force_login(staff_user("manager.d", "centre_manager", CentreFactory()))
    assert client.get(pdf_url(meeting.pk)).status_code == 404
