"""Certificates per trainee: the programme's rule, the date, double issue, revocation, scope,
and closing a cohort dated by its end."""

import importlib

import jdatetime
import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError

from empowerment.kernel import errors
from empowerment.kernel.jalali import today_jalali
from tests.programs.factories import CohortFactory, CohortSessionFactory
from tests.trainees.factories import EnrolmentFactory
from trainees import services
from trainees.models import Certificate, Enrolment

pytestmark = pytest.mark.django_db


def attend(sessions, enrolment, pattern):
    for session, status in zip(sessions, pattern, strict=True):
        services.attendance_record_session(session=session, marks={enrolment.pk: status})


@pytest.fixture
def ended(isfahan):
    """A cohort of four sessions that ended in 1403 (1403/01/15 to 1403/06/30)."""
    cohort = CohortFactory(centre=isfahan, code="BUS-9", min_attendance_percent=75)
    return cohort, [CohortSessionFactory(cohort=cohort) for _ in range(4)]


@pytest.fixture
def good(ended):
    cohort, sessions = ended
    enrolment = EnrolmentFactory(cohort=cohort)
    attend(sessions, enrolment, ["present", "present", "present", "absent"])  # 75%
    return enrolment


def test_one_trainee_is_issued_a_certificate_dated_by_the_cohorts_end(ended, good, manager):
    cohort, _ = ended
    certificate = services.certificate_issue(enrolment=good, by=manager)

    assert certificate.number == "BUS-9-001"
    assert certificate.issued_on == jdatetime.date(1403, 6, 30)  # the cohort's end, not today
    assert certificate.issued_by == manager
    assert len(certificate.token) >= 22 and certificate.number not in certificate.token
    good.refresh_from_db()
    assert good.status == Enrolment.Status.CERTIFIED
    assert good.certificate_number == "BUS-9-001"
    assert good.certificate_issued_on == jdatetime.date(1403, 6, 30)
    assert str(good.attendance_percent) == "75.0"
    cohort.refresh_from_db()
    assert cohort.status == "running"  # the others' cohort stays open


def test_the_manager_may_pick_the_date_within_the_cohorts_run(ended, good, manager):
    cohort, _ = ended
    certificate = services.certificate_issue(
        enrolment=good, by=manager, on=jdatetime.date(1403, 7, 5)
    )
    assert certificate.issued_on == jdatetime.date(1403, 7, 5)


@pytest.mark.parametrize(
    "on", [jdatetime.date(1402, 12, 29), today_jalali() + jdatetime.timedelta(days=1)]
)
def test_a_date_before_the_cohort_or_in_the_future_is_refused(good, manager, on):
    with pytest.raises(errors.Invalid) as refusal:
        services.certificate_issue(enrolment=good, by=manager, on=on)
    assert refusal.value.code == "date"
    assert not Certificate.objects.exists()


def test_attendance_below_the_minimum_is_refused(ended, manager):
    cohort, sessions = ended
    weak = EnrolmentFactory(cohort=cohort)
    attend(sessions, weak, ["present", "absent", "absent", "present"])  # 50%
    with pytest.raises(services.AttendanceTooLow) as refusal:
        services.certificate_issue(enrolment=weak, by=manager)
    assert refusal.value.code == "attendance_too_low"
    weak.refresh_from_db()
    assert weak.status == "enrolled" and weak.certificate_number is None


def test_excused_absences_do_not_count_against_the_trainee(ended, manager):
    cohort, sessions = ended
    excused = EnrolmentFactory(cohort=cohort)
    attend(sessions, excused, ["present", "present", "excused", "excused"])
    assert services.certificate_issue(enrolment=excused, by=manager).number == "BUS-9-001"


def test_a_cohort_still_running_or_a_drop_out_has_not_completed(isfahan, ended, manager):
    running = CohortFactory(
        centre=isfahan,
        start_date=today_jalali() - jdatetime.timedelta(days=30),
        end_date=today_jalali() + jdatetime.timedelta(days=30),
    )
    session = CohortSessionFactory(cohort=running, date=today_jalali())
    current = EnrolmentFactory(cohort=running)
    attend([session], current, ["present"])
    cohort, sessions = ended
    dropped = EnrolmentFactory(cohort=cohort, status="dropped", drop_reason="بیماری")
    waiting = EnrolmentFactory(cohort=cohort, status="waitlisted")
    for enrolment in (current, dropped, waiting):
        with pytest.raises(services.NotCompleted) as refusal:
            services.certificate_issue(enrolment=enrolment, by=manager)
        assert refusal.value.code == "not_completed"
    assert not Certificate.objects.exists()


def test_issuing_twice_issues_once(good, manager):
    first = services.certificate_issue(enrolment=good, by=manager)
    with pytest.raises(errors.Duplicate) as replay:
        services.certificate_issue(enrolment=good, by=manager)
    assert replay.value.code == "already_issued"
    assert list(Certificate.objects.values_list("pk", flat=True)) == [first.pk]


def test_the_database_holds_one_certificate_in_force_per_enrolment(good, manager):
    first = services.certificate_issue(enrolment=good, by=manager)
    with pytest.raises(IntegrityError):
        Certificate.objects.create(enrolment=good, number="X-1", issued_on=first.issued_on)


def test_a_foreign_centres_enrolment_is_out_of_scope(ended, good, two_centres):
    with pytest.raises(errors.OutOfScope):
        services.certificate_issue(enrolment=good, by=two_centres["staff_karaj"])
    assert not Certificate.objects.exists()
    certificate = services.certificate_issue(enrolment=good, by=None)
    with pytest.raises(errors.OutOfScope):
        services.certificate_revoke(
            certificate=certificate, reason="جعل", by=two_centres["staff_karaj"]
        )
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_revoking_needs_a_reason_and_happens_once(good, manager):
    certificate = services.certificate_issue(enrolment=good, by=manager)
    with pytest.raises(errors.Invalid) as no_reason:
        services.certificate_revoke(certificate=certificate, reason="  ", by=manager)
    assert no_reason.value.code == "reason"

    revoked = services.certificate_revoke(
        certificate=certificate, reason="حضور نادرست ثبت شده بود", by=manager
    )
    assert revoked.is_revoked and revoked.revoked_by == manager
    assert revoked.history.first().history_change_reason == "حضور نادرست ثبت شده بود"
    good.refresh_from_db()
    assert good.status == Enrolment.Status.NOT_CERTIFIED
    assert good.certificate_number is None
    # The completion keeps its date: the dashboards count it where it happened.
    assert good.certificate_issued_on == jdatetime.date(1403, 6, 30)
    with pytest.raises(errors.Conflict) as again:
        services.certificate_revoke(certificate=certificate, reason="دوباره", by=manager)
    assert again.value.code == "already_revoked"


def test_a_revoked_certificate_may_be_followed_by_a_new_one(good, manager):
    old = services.certificate_issue(enrolment=good, by=manager)
    services.certificate_revoke(certificate=old, reason="تاریخ اشتباه", by=manager)
    new = services.certificate_issue(enrolment=good, by=manager, on=jdatetime.date(1403, 6, 1))
    assert new.number == "BUS-9-002" and new.token != old.token
    good.refresh_from_db()
    assert good.status == "certified" and good.certificate_number == "BUS-9-002"


def test_bulk_check_lists_each_selected_trainee_with_its_refusal(ended, good, manager):
    cohort, sessions = ended
    weak = EnrolmentFactory(cohort=cohort)
    attend(sessions, weak, ["absent", "absent", "absent", "present"])
    foreign = EnrolmentFactory()  # another centre's
    checks = services.certificate_check_many(enrolments=[good, weak, foreign], by=manager)
    by_pk = {c.enrolment.pk: c for c in checks}
    assert set(by_pk) == {good.pk, weak.pk}
    assert by_pk[good.pk].eligible
    assert by_pk[weak.pk].refusal.code == "attendance_too_low"
    assert not Certificate.objects.exists()  # checking writes nothing

    issued, refused = services.certificate_issue_many(enrolments=[good, weak, foreign], by=manager)
    assert [c.enrolment_id for c in issued] == [good.pk]
    assert {r.refusal.code for r in refused} == {"attendance_too_low", "out_of_scope"}


def test_closing_a_cohort_dates_completion_by_its_end_and_keeps_earlier_certificates(
    ended, good, manager
):
    cohort, sessions = ended
    early = services.certificate_issue(enrolment=good, by=manager)
    other = EnrolmentFactory(cohort=cohort)
    weak = EnrolmentFactory(cohort=cohort)
    attend(sessions, other, ["present"] * 4)
    attend(sessions, weak, ["absent"] * 4)

    counts = services.cohort_complete(cohort=cohort)

    assert counts == {"certified": 1, "not_certified": 1}
    other.refresh_from_db()
    assert other.certificate_number == "BUS-9-002"  # after the one issued before closing
    assert other.certificate_issued_on == jdatetime.date(1403, 6, 30)  # not the click's day
    assert other.certificates.get().issued_on == jdatetime.date(1403, 6, 30)
    assert Certificate.objects.get(pk=early.pk).number == "BUS-9-001"


def test_staff_may_not_issue_but_see_their_centres_certificates(good, staff, manager):
    assert not staff.has_perm("trainees.add_certificate")
    assert not staff.has_perm("trainees.revoke_certificate")
    assert staff.has_perm("trainees.view_certificate")
    assert manager.has_perm("trainees.add_certificate")
    assert manager.has_perm("trainees.revoke_certificate")
    certificate = services.certificate_issue(enrolment=good, by=manager)
    assert list(Certificate.objects.visible_to(staff)) == [certificate]


def test_the_migration_turns_existing_certificate_numbers_into_certificates(isfahan):
    """Numbers issued before certificates had rows of their own (migration 0007's data
    step, run here on today's models) keep their number and date and get a token."""
    migration = importlib.import_module("trainees.migrations.0007_certs_certificate")
    cohort = CohortFactory(centre=isfahan, code="OLD-1")
    dated = EnrolmentFactory(
        cohort=cohort,
        status="certified",
        certificate_number="OLD-1-001",
        certificate_issued_on=jdatetime.date(1402, 10, 30),
    )
    undated = EnrolmentFactory(cohort=cohort, status="certified", certificate_number="OLD-1-002")
    EnrolmentFactory(cohort=cohort, status="not_certified")

    migration.certificates_from_enrolments(django_apps, None)

    rows = {c.enrolment_id: c for c in Certificate.objects.all()}
    assert set(rows) == {dated.pk, undated.pk}
    assert rows[dated.pk].number == "OLD-1-001"
    assert rows[dated.pk].issued_on == jdatetime.date(1402, 10, 30)
    assert rows[undated.pk].issued_on == cohort.end_date
    assert rows[dated.pk].token != rows[undated.pk].token and not rows[dated.pk].is_revoked
