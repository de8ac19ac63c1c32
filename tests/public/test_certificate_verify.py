"""The public verification page of a certificate: what it confirms, what it never shows,
revoked certificates, unknown tokens and guessing."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.programs.factories import CohortFactory, CohortSessionFactory, ProgrammeFactory
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(two_centres):
    isfahan = two_centres["isfahan"]
    cohort = CohortFactory(
        centre=isfahan, code="MNK-1402-1", programme=ProgrammeFactory(title="میناکاری")
    )
    session = CohortSessionFactory(cohort=cohort)
    trainee = TraineeFactory(
        first_name="فاطمه",
        last_name="رضایی",
        national_code="0084575948",
        mobile="09131234567",
        father_name="حسین",
        registered_at=isfahan,
    )
    enrolment = EnrolmentFactory(cohort=cohort, trainee=trainee)
    services.attendance_record_session(session=session, marks={enrolment.pk: "present"})
    return services.certificate_issue(enrolment=enrolment, by=None)


def _url(token):
    return reverse("public_certificate_verify", kwargs={"token": token})


def test_a_valid_certificate_names_holder_programme_centre_and_date(client, certificate):
    response = client.get(_url(certificate.token))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="valid"' in html
    for text in ("فاطمه رضایی", "میناکاری", "مرکز اصفهان", "۳۰ شهریور ۱۴۰۳", "MNK-1402-1-001"):
        assert text in html
    assert "noindex" in response["X-Robots-Tag"]


def test_the_page_shows_no_personal_code(client, certificate):
    html = client.get(_url(certificate.token)).content.decode()
    trainee = certificate.enrolment.trainee
    for secret in ("0084575948", "۰۰۸۴۵۷۵۹۴۸", "09131234567", "۰۹۱۳۱۲۳۴۵۶۷", "4567", "حسین"):
        assert secret not in html
    assert str(trainee.birth_date.year) not in html
    assert trainee.national_code not in html


def test_a_revoked_certificate_says_so(client, certificate):
    services.certificate_revoke(certificate=certificate, reason="جعل", by=None)
    response = client.get(_url(certificate.token))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="revoked"' in html and 'data-state="valid"' not in html
    assert "فاطمه رضایی" not in html  # a revoked paper no longer vouches for its holder
    assert "جعل" not in html  # the reason is for staff


@pytest.mark.parametrize(
    "token",
    ["A" * 22, "MNK-1402-1-001", "1", "x" * 100, "%D9%A1" * 5],
)
def test_unknown_malformed_or_numbered_addresses_are_404(client, certificate, token):
    response = client.get(_url(token))
    assert response.status_code == 404
    assert "فاطمه" not in response.content.decode()


def test_a_token_differing_in_one_letter_is_404(client, certificate):
    token = certificate.token
    forged = ("B" if token[0] != "B" else "C") + token[1:]
    assert client.get(_url(forged)).status_code == 404
    other_case = token.lower() if token.lower() != token else token.upper()
    assert client.get(_url(other_case)).status_code == 404


@override_settings(API_THROTTLE_RATES={"certificate_verify": "3/minute"})
def test_guessing_is_rate_limited_per_address_found_or_not(client, certificate):
    statuses = [client.get(_url("Z" * 22 + str(n))).status_code for n in range(3)]
    assert statuses == [404, 404, 404]
    # The limit holds for a real token too: guessing cannot be told from checking.
    assert client.get(_url(certificate.token)).status_code == 429


def test_only_get_and_head(client, certificate):
    assert client.post(_url(certificate.token)).status_code == 405
