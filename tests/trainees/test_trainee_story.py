"""One page per trainee: the whole story staff see from the trainee's change page
(TraineeAdmin.story_view over selectors.trainee_story)."""

import datetime

import jdatetime
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from empowerment.kernel.models import AccessRecord
from tests.centres.factories import staff_user
from tests.programs.factories import CohortFactory, CohortSessionFactory, make_call, make_idea
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees import selectors, services
from trainees.models import Attendance, Certificate, CohortInterest, Enrolment

pytestmark = pytest.mark.django_db

MOBILE = "09131112233"


def story_url(trainee_id):
    return reverse("admin:trainees_trainee_story", args=[trainee_id])


def build_story(centre, *, cohorts=1, sessions=2, trainee=None):
    """A trainee of `centre` with `cohorts` enrolments, each with `sessions` marked
    sessions, a certificate (the last one revoked), outcomes at 3, 6 and 12 months, an idea,
    a request to join and a product sold twice per cohort."""
    trainee = trainee or TraineeFactory(
        registered_at=centre, mobile=MOBILE, first_name="نرگس", last_name="لاجوردی"
    )
    call = make_call(centre=centre, title=f"فراخوان {centre.pk}-{trainee.pk}")
    make_idea(call, title="کارگاه میناکاری خانگی", submitter_mobile=trainee.mobile)
    for n in range(cohorts):
        cohort = CohortFactory(centre=centre, title=f"میناکاری {n}")
        enrolment = EnrolmentFactory(trainee=trainee, cohort=cohort)
        for s in range(sessions):
            session = CohortSessionFactory(cohort=cohort, date=jdatetime.date(1403, 2, 1 + s))
            Attendance.objects.create(
                enrolment=enrolment,
                session=session,
                status=Attendance.Status.PRESENT if s % 3 else Attendance.Status.ABSENT,
            )
        Certificate.objects.create(
            enrolment=enrolment,
            number=f"MNK-{cohort.pk}",
            issued_on=jdatetime.date(1403, 7, 1),
            **(
                {"revoked_at": timezone.now(), "revoke_reason": "صدور اشتباه"}
                if n == cohorts - 1 and cohorts > 1
                else {}
            ),
        )
        for round_ in (3, 6, 12):
            services.outcome_record(
                trainee=trainee,
                enrolment=enrolment,
                kind="employed",
                date=jdatetime.date(1403, 8, 1) + datetime.timedelta(days=30 * round_),
                follow_up_round=round_,
            )
        CohortInterest.objects.create(cohort=cohort, name=trainee.full_name, mobile=trainee.mobile)
        product = services.product_create(cohort=cohort, name=f"بشقاب میناکاری {n}")
        for _ in range(2):
            services.sale_record(
                product=product,
                date=jdatetime.date(1403, 9, 1),
                place="غرفه نمایشگاه",
                quantity=3,
                amount_rials=1_500_000,
            )
    return trainee


@pytest.fixture
def trainee(isfahan):
    return build_story(isfahan)


@pytest.mark.parametrize("who", ["manager", "staff"])
def test_the_owning_centre_sees_every_section(client, request, trainee, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(story_url(trainee.pk))
    assert response.status_code == 200
    page = response.content.decode()
    story = response.context["story"]
    assert len(story.enrolments) == 1
    assert len(story.attendance) == 2
    assert len(story.certificates) == 1
    assert len(story.outcomes) == 3
    assert len(story.ideas) == 1
    assert len(story.interests) == 1
    assert [(p.sold_quantity, p.sold_amount, p.sales_count) for p in story.products] == [
        (6, 3_000_000, 2)
    ]
    assert story.history  # the registration itself
    for section in (
        "story-enrolments",
        "story-attendance",
        "story-certificates",
        "story-outcomes",
        "story-ideas",
        "story-interests",
        "story-products",
        "story-history",
    ):
        assert f'id="{section}"' in page
    # Jalali dates in Persian digits; the attendance rate; the certificate's PDF.
    assert "۱۴۰۳/۰۲/۰۱" in page and "۱۴۰۳/۰۲/۰۲" in page
    assert "۵۰٪" in page  # one present of two sessions held
    assert reverse("admin:trainees_certificate_pdf", args=[story.certificates[0].pk]) in page
    assert "کارگاه میناکاری خانگی" in page and "بشقاب میناکاری" in page
    assert reverse("admin:trainees_trainee_history", args=[trainee.pk]) in page
    # The page is Persian and the national code shown whole to the registering centre.
    assert trainee.national_code in page.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    assert AccessRecord.objects.filter(user=user, action="view", object_id=str(trainee.pk)).exists()


@pytest.mark.wording
def test_the_story_is_named_in_persian(client, staff, trainee):
    client.force_login(staff)
    change = client.get(reverse("admin:trainees_trainee_change", args=[trainee.pk]))
    assert "پرونده کامل" in change.content.decode()
    page = client.get(story_url(trainee.pk)).content.decode()
    assert "پرونده کامل: نرگس لاجوردی" in page
    assert "محصولات دوره‌های او" in page and "تاریخچهٔ تغییرات" in page


def test_the_change_page_links_to_the_story(client, staff, trainee):
    client.force_login(staff)
    page = client.get(reverse("admin:trainees_trainee_change", args=[trainee.pk])).content
    assert story_url(trainee.pk).encode() in page


def test_a_revoked_certificate_is_shown_revoked(client, staff, isfahan):
    trainee = build_story(isfahan, cohorts=2, sessions=1)
    client.force_login(staff)
    response = client.get(story_url(trainee.pk))
    rows = {c.number: c.is_revoked for c in response.context["story"].certificates}
    assert sorted(rows.values()) == [False, True]
    assert b'class="certificate revoked"' in response.content


def test_staff_of_another_centre_get_404(client, two_centres, trainee):
    client.force_login(two_centres["staff_karaj"])
    assert client.get(story_url(trainee.pk)).status_code == 404


def test_a_forged_id_is_404(client, staff, trainee):
    client.force_login(staff)
    assert client.get(story_url(trainee.pk + 10_000)).status_code == 404
    assert client.get(f"/admin/trainees/trainee/{trainee.pk}x/story/").status_code in (302, 404)
    # The id in Persian or Arabic digits is no id (the admin's catch-all sends it away).
    for digits in ("۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩"):
        forged = str(trainee.pk).translate(str.maketrans("0123456789", digits))
        response = client.get(f"/admin/trainees/trainee/{forged}/story/")
        assert response.status_code in (302, 404)


def test_a_reviewer_of_the_centre_is_refused(client, isfahan, trainee):
    # A reviewer's centre opens its calls for ideas, not its registry.
    client.force_login(staff_user("reviewer.a", "reviewer", isfahan))
    assert client.get(story_url(trainee.pk)).status_code in (403, 404)


def test_a_council_member_reads_figures_not_the_admin(client, isfahan, karaj, trainee):
    """The scope table: council members read the dashboards (not the admin), their city's
    registry masked; the story page is the admin's, so it sends them to sign in."""
    council = staff_user("council.a", "council_member", isfahan.city)
    client.force_login(council)
    response = client.get(story_url(trainee.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]
    # What the selector would give them is their city's, and nothing of another city.
    assert selectors.trainee_story(user=council, trainee_id=trainee.pk) is not None
    other = staff_user("council.b", "council_member", karaj.city)
    assert selectors.trainee_story(user=other, trainee_id=trainee.pk) is None


def test_an_enrolling_centre_sees_its_own_records_only(client, two_centres, isfahan, karaj):
    """Registered in Isfahan, enrolled also in Karaj: Karaj's staff see Karaj's enrolment,
    marks and products; not Isfahan's, not the registry's mobile, nor its history."""
    trainee = build_story(isfahan, cohorts=2)
    build_story(karaj, cohorts=1, sessions=3, trainee=trainee)
    client.force_login(two_centres["staff_karaj"])
    response = client.get(story_url(trainee.pk))
    assert response.status_code == 200
    story = response.context["story"]
    assert {e.cohort.centre for e in story.enrolments} == {karaj}
    assert len(story.attendance) == 3
    assert len(story.certificates) == 1
    assert {o.enrolment.cohort.centre for o in story.outcomes} == {karaj}
    assert {p.cohort.centre for p in story.products} == {karaj}
    # Matched by the mobile, which Karaj may not read: nothing found that way.
    assert story.ideas == [] and story.interests == []
    assert story.history == []
    page = response.content.decode()
    ascii_page = page.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    assert MOBILE not in ascii_page
    # The national code masked, as on the change page (hide_unshared).
    assert trainee.national_code not in ascii_page
    assert response.context["national_code"].count("*") == 8
    assert reverse("admin:trainees_trainee_history", args=[trainee.pk]) not in page
    # Isfahan's staff see Isfahan's part of the story and the registry's.
    client.force_login(two_centres["staff_isfahan"])
    story = client.get(story_url(trainee.pk)).context["story"]
    assert {e.cohort.centre for e in story.enrolments} == {isfahan}
    assert len(story.ideas) == 1 and len(story.interests) == 2


def test_queries_do_not_grow_with_the_story(client, staff, isfahan, django_assert_max_num_queries):
    small = build_story(isfahan, cohorts=1, sessions=1)
    big = build_story(
        isfahan,
        cohorts=6,
        sessions=8,
        trainee=TraineeFactory(registered_at=isfahan, mobile="09139998877"),
    )
    client.force_login(staff)
    client.get(story_url(small.pk))  # warm the session, scope and permission caches
    # The selector: the user's roles (once, then cached on the user), the trainee,
    # enrolments with their rate, attendance, certificates, outcomes, ideas, requests,
    # products with their sales, history.
    with django_assert_max_num_queries(10):
        story = selectors.trainee_story(user=staff, trainee_id=big.pk)
    assert len(story.attendance) == 48 and len(story.products) == 6
    with django_assert_max_num_queries(9):  # the roles are cached now
        selectors.trainee_story(user=staff, trainee_id=small.pk)

    def page_queries(trainee):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(story_url(trainee.pk)).status_code == 200
        return len(captured)

    assert page_queries(big) == page_queries(small)
    assert Enrolment.objects.filter(trainee=big).count() == 6
