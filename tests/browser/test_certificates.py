"""A certificate from issue to PDF to verification to revocation, as a centre manager does
it in a real browser, and as anyone holding the paper checks it."""

import pypdfium2
import pytest
from playwright.sync_api import expect

from empowerment.kernel import second_factor
from empowerment.kernel.demo_second_factor import DEMO_TOTP_SECRETS
from tests.browser.conftest import SCREENSHOTS, admin_sign_in, non_local_requests
from tests.centres.factories import CentreFactory, staff_user
from tests.programs.factories import CohortFactory, CohortSessionFactory, ProgrammeFactory
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees import services
from trainees.models import Certificate

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    centre = CentreFactory(name="مرکز توانمندسازی حصه")
    cohort = CohortFactory(
        centre=centre,
        code="MNK-1402-1",
        title="میناکاری مقدماتی",
        programme=ProgrammeFactory(title="میناکاری"),
    )
    session = CohortSessionFactory(cohort=cohort)
    trainee = TraineeFactory(
        first_name="فاطمه", last_name="رضایی", national_code="0084575948", registered_at=centre
    )
    enrolment = EnrolmentFactory(cohort=cohort, trainee=trainee)
    services.attendance_record_session(session=session, marks={enrolment.pk: "present"})
    manager = staff_user("manager.isfahan", "centre_manager", centre)
    second_factor.device_set(user=manager, secret=DEMO_TOTP_SECRETS["manager.isfahan"])
    return {"enrolment": enrolment, "manager": manager}


def test_a_manager_issues_prints_and_revokes_a_certificate(
    page, live_server, world, password, screenshot
):
    enrolment = world["enrolment"]
    admin_sign_in(
        page,
        live_server,
        "manager.isfahan",
        password,
        f"/admin/trainees/trainee/{enrolment.trainee_id}/change/",
    )
    # From the trainee's page: their enrolment's "issue a certificate".
    page.click("a.certificate-issue")
    expect(page.locator("#certificate-checks tr.eligible")).to_have_count(1)
    screenshot("issue-form")
    page.click("input[name=issue]")
    expect(page.locator("a.certificate-revoke")).to_be_visible()
    certificate = Certificate.objects.get()
    assert certificate.issued_on == enrolment.cohort.end_date
    screenshot("issued")

    # The PDF, downloaded with the manager's session, rendered as the printer would.
    pdf_href = page.get_attribute("#content a.certificate-pdf >> nth=0", "href")
    response = page.context.request.get(f"{live_server.url}{pdf_href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    document = pypdfium2.PdfDocument(response.body())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    document[0].render(scale=1.5).to_pil().save(
        SCREENSHOTS / "test_a_manager_issues_prints_and_revokes_a_certificate-pdf.png"
    )
    text = document[0].get_textpage().get_text_range()
    assert "۱۴۰۳" in text and "0084575948" not in text

    # The address in the QR code: anyone opens it without signing in.
    verify_href = page.get_attribute("a.certificate-verify", "href")
    assert verify_href == f"/certificates/{certificate.token}/"
    visitor = page.context.browser.new_context(
        locale="fa-IR", viewport={"width": 390, "height": 844}
    )
    public = visitor.new_page()
    public.goto(f"{live_server.url}{verify_href}")
    expect(public.locator(".certificate-state")).to_have_attribute("data-state", "valid")
    expect(public.locator(".holder")).to_have_text("فاطمه رضایی")
    assert "0084575948" not in public.content()
    public.screenshot(
        path=str(
            SCREENSHOTS / "test_a_manager_issues_prints_and_revokes_a_certificate-verify-valid.png"
        ),
        full_page=True,
    )

    # Revoked with a reason; the same address now says so.
    page.click("a.certificate-revoke")
    page.fill("#id_reason", "حضور نادرست ثبت شده بود")
    screenshot("revoke-form")
    page.click("input[name=revoke]")
    expect(page.locator("a.certificate-revoke")).to_have_count(0)
    screenshot("revoked")
    public.reload()
    expect(public.locator(".certificate-state")).to_have_attribute("data-state", "revoked")
    public.screenshot(
        path=str(
            SCREENSHOTS
            / "test_a_manager_issues_prints_and_revokes_a_certificate-verify-revoked.png"
        ),
        full_page=True,
    )
    assert non_local_requests(page.requested_urls) == []
    visitor.close()
