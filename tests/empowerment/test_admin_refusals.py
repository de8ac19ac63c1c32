"""The admin cannot save what a service refuses: for every admin page that writes through a
service, posting what the service refuses shows its Persian message on the page (a 200, not
a 500 nor a redirect) and writes nothing.

Each case builds a row, reads the admin page as its user would, changes what the service
must refuse and posts the page back. A new admin that writes gets a case here.
"""

import datetime

import jdatetime
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from centres.meetings import commitment_create, commitment_milestone_complete
from centres.models import Commitment, CommitmentMilestone, Headquarters, TrackedStatus
from empowerment.kernel.jalali import local_today
from programs.models import CohortSession
from programs.models.ideas import IdeaCall
from tests.centres.factories import CentreFactory, HeadquartersFactory, staff_user
from tests.programs.factories import CohortFactory, CohortSessionFactory, make_call
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees import services
from trainees.models import Attendance, Enrolment

pytestmark = pytest.mark.django_db


def _value(value):
    if value is None:
        return None  # an empty field posts nothing
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def page_data(page) -> dict:
    """The POST a browser would send back for an admin change (or add) page as shown."""
    data = {}

    def put(form):
        for name in form.fields:
            value = _value(form[name].value())
            if value is not None:
                data[form.add_prefix(name)] = value

    put(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        put(formset.management_form)
        for form in formset.forms:
            put(form)
    return data


def _jalali(days: int) -> str:
    """A date `days` from today as the admin's Jalali field takes it."""
    day = local_today() + datetime.timedelta(days=days)
    return str(jdatetime.date.fromgregorian(date=day))


def _persian(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


# --- The cases: (user, url, change the page's data, what must not have changed) ----------


NO_CRITERION = "A call needs at least one criterion to judge its ideas by."


def _hq_and_neighbourhood():
    centre = CentreFactory()
    hq = HeadquartersFactory(
        level=Headquarters.Level.CITY, province=centre.city.province, city=centre.city
    )
    return hq, centre.neighbourhoods.get()


def attendance_in_a_closed_cohort():
    cohort = CohortFactory()
    session = CohortSessionFactory(cohort=cohort)
    enrolment = EnrolmentFactory(cohort=cohort)
    staff = staff_user("staff.att", "centre_staff", cohort.centre)
    services.attendance_record_session(session=session, marks={enrolment.pk: "present"})
    mark = Attendance.objects.get()
    cohort.status = "completed"
    cohort.save()

    def edit(data):
        data["status"] = "absent"

    def unchanged():
        mark.refresh_from_db()
        return mark.status == "present"

    url = reverse("admin:trainees_attendance_change", args=[mark.pk])
    return (
        staff,
        url,
        edit,
        unchanged,
        "This cohort is closed: its attendance can no longer change.",
    )


def idea_call_without_a_criterion():
    centre = CentreFactory()
    manager = staff_user("manager.call", "centre_manager", centre)

    def edit(data):
        data.update(
            {
                "centre": str(centre.pk),
                "title": "فراخوان بی‌معیار",
                "opens_on": _jalali(0),
                "closes_on": _jalali(20),
                "criteria-TOTAL_FORMS": "0",
                "criteria-INITIAL_FORMS": "0",
            }
        )

    def unchanged():
        return not IdeaCall.objects.exists()

    url = reverse("admin:programs_ideacall_add")
    return manager, url, edit, unchanged, NO_CRITERION


def idea_call_losing_its_last_criterion():
    centre = CentreFactory()
    manager = staff_user("manager.call2", "centre_manager", centre)
    call = make_call(centre=centre, criteria=[("نوآوری", 3)])

    def edit(data):
        data["criteria-0-DELETE"] = "on"

    def unchanged():
        return call.criteria.count() == 1

    url = reverse("admin:programs_ideacall_change", args=[call.pk])
    return manager, url, edit, unchanged, NO_CRITERION


def milestone_added_to_a_cancelled_commitment():
    hq, neighbourhood = _hq_and_neighbourhood()
    secretary = staff_user("secretary.c", "hq_secretary", hq)
    commitment = commitment_create(
        title="آسفالت کوچه‌ها",
        promised_by="شهرداری",
        neighbourhood=neighbourhood,
        due_date=local_today() + datetime.timedelta(days=90),
        headquarters=hq,
    )
    Commitment.objects.filter(pk=commitment.pk).update(status=TrackedStatus.CANCELLED)

    def edit(data):
        data.update(
            {
                "milestones-TOTAL_FORMS": "1",
                "milestones-0-title": "کوچه اول",
                "milestones-0-due_date": _jalali(30),
            }
        )

    def unchanged():
        return not CommitmentMilestone.objects.exists()

    url = reverse("admin:centres_commitment_change", args=[commitment.pk])
    return secretary, url, edit, unchanged, "This commitment was cancelled."


def enrolment_in_a_closed_cohort():
    cohort = CohortFactory(status="completed")
    trainee = TraineeFactory(registered_at=cohort.centre)
    staff = staff_user("staff.enr", "centre_staff", cohort.centre)

    def edit(data):
        data.update({"trainee": str(trainee.pk), "cohort": str(cohort.pk)})

    def unchanged():
        return not Enrolment.objects.exists()

    url = reverse("admin:trainees_enrolment_add")
    return staff, url, edit, unchanged, "This cohort is closed: nobody can enrol in it any more."


def session_added_to_a_closed_cohort():
    cohort = CohortFactory(status="completed")
    manager = staff_user("manager.ses", "centre_manager", cohort.centre)

    def edit(data):
        data.update(
            {
                "cohort": str(cohort.pk),
                "date": str(cohort.start_date),
                "start_time": "09:00",
                "hours": "2",
            }
        )

    def unchanged():
        return not CohortSession.objects.exists()

    url = reverse("admin:programs_cohortsession_add")
    return manager, url, edit, unchanged, SESSIONS_CLOSED


def session_added_on_a_closed_cohorts_page():
    cohort = CohortFactory(status="completed")
    manager = staff_user("manager.ses2", "centre_manager", cohort.centre)

    def edit(data):
        data.update(
            {
                "sessions-TOTAL_FORMS": "1",
                "sessions-0-date": str(cohort.start_date),
                "sessions-0-start_time": "09:00",
                "sessions-0-hours": "2",
            }
        )

    def unchanged():
        return not CohortSession.objects.exists()

    url = reverse("admin:programs_cohort_change", args=[cohort.pk])
    return manager, url, edit, unchanged, SESSIONS_CLOSED


SESSIONS_CLOSED = "This cohort is closed: no new sessions can be added."


def cohort_completed_without_its_certificates():
    cohort = CohortFactory(status="running")
    manager = staff_user("manager.coh", "centre_manager", cohort.centre)

    def edit(data):
        data["status"] = "completed"

    def unchanged():
        cohort.refresh_from_db()
        return cohort.status == "running"

    url = reverse("admin:programs_cohort_change", args=[cohort.pk])
    message = (
        "A cohort is completed from the list of cohorts, with the action “Complete the selected "
        "cohorts and issue certificates”."
    )
    return manager, url, edit, unchanged, message


CASES = [
    cohort_completed_without_its_certificates,
    session_added_to_a_closed_cohort,
    session_added_on_a_closed_cohorts_page,
    attendance_in_a_closed_cohort,
    idea_call_without_a_criterion,
    idea_call_losing_its_last_criterion,
    milestone_added_to_a_cancelled_commitment,
    enrolment_in_a_closed_cohort,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_the_admin_shows_the_services_refusal_and_writes_nothing(client, case):
    user, url, edit, unchanged, refusal = case()
    client.force_login(user)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fa")
    assert page.status_code == 200
    data = page_data(page)
    edit(data)
    answer = client.post(url, data, HTTP_ACCEPT_LANGUAGE="fa")
    assert answer.status_code == 200, answer.get("Location")
    errors = answer.context["adminform"].form.errors.as_data()
    messages = [str(m) for error_list in errors.values() for e in error_list for m in e.messages]
    # The message is the service's own, in the request's language (its Persian: wording).
    with translation.override("fa"):
        assert gettext(refusal) in messages
    assert unchanged()


def test_a_mark_corrected_in_the_admin_records_who_changed_it(client):
    cohort = CohortFactory()
    session = CohortSessionFactory(cohort=cohort)
    enrolment = EnrolmentFactory(cohort=cohort)
    staff = staff_user("staff.mark", "centre_staff", cohort.centre)
    services.attendance_record_session(session=session, marks={enrolment.pk: "present"})
    mark = Attendance.objects.get()
    assert mark.recorded_by is None
    client.force_login(staff)
    url = reverse("admin:trainees_attendance_change", args=[mark.pk])
    data = page_data(client.get(url))
    data["status"] = "excused"
    assert client.post(url, data).status_code == 302
    mark.refresh_from_db()
    assert (mark.status, mark.recorded_by) == ("excused", staff)


def test_a_milestone_added_in_the_admin_counts_in_the_progress(client):
    hq, neighbourhood = _hq_and_neighbourhood()
    secretary = staff_user("secretary.m", "hq_secretary", hq)
    commitment = commitment_create(
        title="روشنایی معابر",
        promised_by="شهرداری",
        neighbourhood=neighbourhood,
        due_date=local_today() + datetime.timedelta(days=90),
        headquarters=hq,
        milestones=[("خیابان اصلی", local_today() + datetime.timedelta(days=10))],
    )
    commitment_milestone_complete(milestone=commitment.milestones.get())
    commitment.refresh_from_db()
    assert commitment.progress == 100
    client.force_login(secretary)
    url = reverse("admin:centres_commitment_change", args=[commitment.pk])
    data = page_data(client.get(url))
    data.update(
        {
            "milestones-TOTAL_FORMS": "2",
            "milestones-1-title": "کوچه‌های فرعی",
            "milestones-1-due_date": _jalali(40),
        }
    )
    answer = client.post(url, data)
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    commitment.refresh_from_db()
    assert commitment.milestones.count() == 2
    # One of two milestones done: half way, no longer done.
    assert (commitment.progress, commitment.status) == (50, "in_progress")
