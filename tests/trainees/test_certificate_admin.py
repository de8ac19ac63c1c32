"""Certificates in the admin: issue to one trainee (with a date or the cohort's end), the
bulk action's confirmation page, the PDF, revoking with a reason; staff and foreign centres."""

import jdatetime
import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from tests.centres.factories import staff_user
from tests.programs.factories import CohortFactory, CohortSessionFactory
from tests.trainees.factories import EnrolmentFactory
from trainees import services
from trainees.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort_ended(isfahan):
    cohort = CohortFactory(centre=isfahan, code="BUS-7", min_attendance_percent=75)
    return cohort, CohortSessionFactory(cohort=cohort)


def _enrolment(cohort_ended, status="present"):
    cohort, session = cohort_ended
    enrolment = EnrolmentFactory(cohort=cohort)
    services.attendance_record_session(session=session, marks={enrolment.pk: status})
    return enrolment


def _issue_url(enrolment):
    return reverse("admin:trainees_enrolment_certificate_issue", args=[enrolment.pk])


def test_a_manager_issues_one_certificate_with_the_cohorts_end_date(client, manager, cohort_ended):
    enrolment = _enrolment(cohort_ended)
    client.force_login(manager)
    change = client.get(reverse("admin:trainees_enrolment_change", args=[enrolment.pk]))
    assert _issue_url(enrolment) in change.content.decode()
    page = client.get(_issue_url(enrolment))
    assert page.status_code == 200 and b"certificate-checks" in page.content

    response = client.post(_issue_url(enrolment), {"issued_on": ""})

    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:trainees_certificate_change", args=[certificate.pk]
    )
    assert certificate.issued_on == jdatetime.date(1403, 6, 30)
    # A replayed form issues nothing more and says why.
    again = client.post(_issue_url(enrolment), {"issued_on": ""})
    assert again.status_code == 200 and Certificate.objects.count() == 1


def test_the_date_is_typed_in_persian_digits(client, manager, cohort_ended):
    enrolment = _enrolment(cohort_ended)
    client.force_login(manager)
    client.post(_issue_url(enrolment), {"issued_on": "۱۴۰۳/۰۷/۰۲"})
    assert Certificate.objects.get().issued_on == jdatetime.date(1403, 7, 2)


def test_a_refused_issue_shows_the_reason_and_writes_nothing(client, manager, cohort_ended):
    enrolment = _enrolment(cohort_ended, status="absent")
    client.force_login(manager)
    response = client.post(_issue_url(enrolment), {"issued_on": ""})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not Certificate.objects.exists()


def test_bulk_issue_asks_for_confirmation_listing_the_trainees(client, manager, cohort_ended):
    good = _enrolment(cohort_ended)
    weak = _enrolment(cohort_ended, status="absent")
    client.force_login(manager)
    changelist = reverse("admin:trainees_enrolment_changelist")
    selected = {
        "action": "issue_certificates",
        helpers.ACTION_CHECKBOX_NAME: [good.pk, weak.pk],
    }
    confirm = client.post(changelist, selected)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert good.trainee.full_name in html and weak.trainee.full_name in html
    assert 'data-code="attendance_too_low"' in html
    assert not Certificate.objects.exists()  # nothing until confirmed

    done = client.post(changelist, {**selected, "confirm": "1", "issued_on": ""})

    assert done.status_code == 302
    assert list(Certificate.objects.values_list("enrolment_id", flat=True)) == [good.pk]


def test_the_pdf_downloads_and_revoking_needs_a_reason(client, manager, cohort_ended):
    enrolment = _enrolment(cohort_ended)
    certificate = services.certificate_issue(enrolment=enrolment, by=manager)
    client.force_login(manager)
    pdf = client.get(reverse("admin:trainees_certificate_pdf", args=[certificate.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")

    revoke = reverse("admin:trainees_certificate_revoke", args=[certificate.pk])
    assert client.post(revoke, {"reason": ""}).status_code == 200
    certificate.refresh_from_db()
    assert not certificate.is_revoked
    assert client.post(revoke, {"reason": "جعل مدرک"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoke_reason == "جعل مدرک"
    history = client.get(reverse("admin:trainees_certificate_history", args=[certificate.pk]))
    assert "جعل مدرک" in history.content.decode()


def test_staff_view_but_neither_issue_nor_revoke(client, staff, manager, cohort_ended):
    enrolment = _enrolment(cohort_ended)
    client.force_login(staff)
    assert client.post(_issue_url(enrolment), {"issued_on": ""}).status_code == 403
    certificate = services.certificate_issue(enrolment=enrolment, by=manager)
    assert (
        client.get(reverse("admin:trainees_certificate_pdf", args=[certificate.pk])).status_code
        == 200
    )
    revoke = reverse("admin:trainees_certificate_revoke", args=[certificate.pk])
    assert client.post(revoke, {"reason": "x"}).status_code == 403
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_a_foreign_centres_certificate_is_404(client, karaj, manager, cohort_ended):
    enrolment = _enrolment(cohort_ended)
    certificate = services.certificate_issue(enrolment=enrolment, by=manager)
    foreign_manager = staff_user("manager.karaj", "centre_manager", karaj)
    client.force_login(foreign_manager)
    for url in (
        reverse("admin:trainees_certificate_change", args=[certificate.pk]),
        reverse("admin:trainees_certificate_pdf", args=[certificate.pk]),
        reverse("admin:trainees_certificate_revoke", args=[certificate.pk]),
        _issue_url(enrolment),
    ):
        assert client.get(url).status_code in (302, 404), url
    assert (
        client.post(
            reverse("admin:trainees_certificate_revoke", args=[certificate.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    certificate.refresh_from_db()
    assert not certificate.is_revoked
    # The bulk action leaves a foreign enrolment out of its list and issues nothing to it.
    other = _enrolment(cohort_ended)
    client.post(
        reverse("admin:trainees_enrolment_changelist"),
        {"action": "issue_certificates", helpers.ACTION_CHECKBOX_NAME: [other.pk], "confirm": "1"},
    )
    assert not other.certificates.exists()


def test_forged_ids_are_404(client, manager):
    client.force_login(manager)
    for name in (
        "admin:trainees_enrolment_certificate_issue",
        "admin:trainees_certificate_pdf",
        "admin:trainees_certificate_revoke",
    ):
        assert client.get(reverse(name, args=[987654])).status_code == 404, name
