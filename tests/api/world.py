"""Two sides of the portal, "own" (Isfahan) and "foreign" (Karaj), with one row of every
API resource on each side, and a user for every role scoped to the own side."""

import datetime
import uuid

from centres.meetings import commitment_create, resolution_follow_up_add
from centres.models import Headquarters
from empowerment.kernel.jalali import local_today
from programs.services.ideas import idea_review_submit
from tests.centres.factories import (
    CentreFactory,
    CityFactory,
    HeadquartersFactory,
    PartnerFactory,
    UserFactory,
    make_meeting,
    make_resolution,
    staff_user,
)
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    ProgrammeFactory,
    make_call,
    make_idea,
    reviewer_of,
    to_review,
)
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees.models import Attendance
from trainees.services import outcome_record

ROLES = [
    "administrator",
    "centre_manager",
    "centre_staff",
    "hq_secretary",
    "partner_officer",
    "council_member",
    "viewer",
    "reviewer",
    "resident",
    "anonymous",
]


def build_side(tag: str, city_name: str, resident_mobile: str) -> dict:
    city = CityFactory(name=city_name, province__name=f"استان {city_name}")
    centre = CentreFactory(name=f"مرکز {city_name}", city=city)
    neighbourhood = centre.neighbourhoods.get()
    hq = HeadquartersFactory(
        name=f"قرارگاه {city_name}",
        level=Headquarters.Level.CITY,
        province=city.province,
        city=city,
    )
    partner = PartnerFactory(name=f"دستگاه {city_name}")
    manager = staff_user(f"manager.{tag}", "centre_manager", centre)
    staff = staff_user(f"staff.{tag}", "centre_staff", centre)
    reviewer = reviewer_of(centre, f"reviewer.{tag}")
    resident = UserFactory(username=resident_mobile)
    resident.set_unusable_password()
    resident.save()
    from django.contrib.auth.models import Group

    from empowerment.kernel.residents import RESIDENT_GROUP

    resident.groups.add(Group.objects.get_or_create(name=RESIDENT_GROUP)[0])

    cohort = CohortFactory(
        centre=centre,
        programme=ProgrammeFactory(title=f"میناکاری {city_name}"),
        start_date=local_today() - datetime.timedelta(days=30),
        end_date=local_today() + datetime.timedelta(days=60),
    )
    session = CohortSessionFactory(cohort=cohort, date=local_today() - datetime.timedelta(days=2))
    trainee = TraineeFactory(registered_at=centre, mobile=resident_mobile, user=resident)
    enrolment = EnrolmentFactory(trainee=trainee, cohort=cohort)
    attendance = Attendance.objects.create(
        session=session, enrolment=enrolment, status="present", client_uuid=uuid.uuid4()
    )
    outcome = outcome_record(
        trainee=trainee,
        enrolment=enrolment,
        kind="employed",
        date=local_today(),
        follow_up_round=3,
    )
    call = make_call(centre=centre, reviewers=[reviewer])
    idea = make_idea(call, submitter=resident, submitter_mobile=resident_mobile)
    to_review(idea, staff)
    review = idea_review_submit(
        idea=idea, reviewer=reviewer, scores={c.pk: 7 for c in call.criteria.all()}
    )
    meeting = make_meeting(centre)
    resolution = make_resolution(meeting, responsible=partner)
    resolution_follow_up_add(resolution=resolution, user=manager, progress=10, note="آغاز شد")
    commitment = commitment_create(
        title=f"آسفالت معابر {city_name}",
        promised_by="شهردار",
        promiser_partner=partner,
        neighbourhood=neighbourhood,
        due_date=local_today() + datetime.timedelta(days=90),
    )
    users = {
        "centre_manager": manager,
        "centre_staff": staff,
        "hq_secretary": staff_user(f"secretary.{tag}", "hq_secretary", hq),
        "partner_officer": staff_user(f"partner.{tag}", "partner_officer", partner),
        "council_member": staff_user(f"council.{tag}", "council_member", city),
        "viewer": staff_user(f"viewer.{tag}", "viewer", centre),
        "reviewer": reviewer,
        "resident": resident,
    }
    rows = {
        "centre": centre,
        "programme": cohort.programme,
        "cohort": cohort,
        "session": session,
        "trainee": trainee,
        "enrolment": enrolment,
        "attendance": attendance,
        "outcome": outcome,
        "idea-call": call,
        "idea": idea,
        "review": review,
        "meeting": meeting,
        "resolution": resolution,
        "commitment": commitment,
    }
    return {"users": users, "rows": rows, "centre": centre, "partner": partner}


def build_world() -> dict:
    own = build_side("own", "اصفهان", "09121110001")
    foreign = build_side("foreign", "کرج", "09121110002")
    users = dict(own["users"])
    users["administrator"] = UserFactory(username="root", is_superuser=True)
    users["anonymous"] = None
    return {"own": own, "foreign": foreign, "users": users}
