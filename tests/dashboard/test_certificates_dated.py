"""Certificates on the dashboards: counted in the month of their date (the cohort's end or
the manager's date), not of the day they were issued; a revoked one no longer counts as a
certificate, while its completion still does."""

import jdatetime
import pytest
from django.db.models import Sum

from empowerment.dashboards.models import TrainingSummary
from empowerment.dashboards.summaries import summaries_refresh
from empowerment.kernel.jalali import today_jalali
from tests.programs.factories import CohortFactory, CohortSessionFactory
from tests.trainees.factories import EnrolmentFactory
from trainees import services

pytestmark = pytest.mark.django_db


def _month(period_date) -> dict:
    return TrainingSummary.objects.filter(
        period=period_date.year * 100 + period_date.month
    ).aggregate(completed=Sum("completed"), certified=Sum("certified"))


def test_certificates_count_in_the_month_of_their_date(two_centres):
    cohort = CohortFactory(centre=two_centres["isfahan"])  # ended 1403/06/30
    session = CohortSessionFactory(cohort=cohort)
    by_end, by_choice = EnrolmentFactory(cohort=cohort), EnrolmentFactory(cohort=cohort)
    services.attendance_record_session(
        session=session, marks={by_end.pk: "present", by_choice.pk: "present"}
    )
    first = services.certificate_issue(enrolment=by_end, by=None)
    services.certificate_issue(enrolment=by_choice, by=None, on=jdatetime.date(1403, 7, 10))

    summaries_refresh()

    # Completions by the cohort's end, certificates by their date (the summaries' rule).
    assert _month(jdatetime.date(1403, 6, 1)) == {"completed": 2, "certified": 1}
    assert (_month(jdatetime.date(1403, 7, 1))["certified"]) == 1
    assert _month(today_jalali())["certified"] in (None, 0)  # not the day of the click

    services.certificate_revoke(certificate=first, reason="اشتباه", by=None)
    summaries_refresh()
    assert _month(jdatetime.date(1403, 6, 1)) == {"completed": 2, "certified": 0}
