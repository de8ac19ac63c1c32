"""A trainee is seen at the registering centre and wherever enrolled; nowhere else."""

import pytest

from tests.centres.factories import CentreFactory, UserFactory, staff_user
from tests.programs.factories import CohortFactory
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees.models import Enrolment, Trainee

pytestmark = pytest.mark.django_db


def test_trainee_visible_at_registering_and_enrolling_centres_only(two_centres):
    isfahan, karaj = two_centres["isfahan"], two_centres["karaj"]
    trainee = TraineeFactory(registered_at=isfahan)
    assert list(Trainee.objects.visible_to(two_centres["staff_isfahan"])) == [trainee]
    assert not Trainee.objects.visible_to(two_centres["staff_karaj"]).exists()
    # Two enrolments at Karaj: the trainee appears once (the path is wrapped in a subquery).
    EnrolmentFactory(trainee=trainee, cohort=CohortFactory(centre=karaj))
    EnrolmentFactory(trainee=trainee, cohort=CohortFactory(centre=karaj))
    assert list(Trainee.objects.visible_to(two_centres["staff_karaj"])) == [trainee]
    # Karaj sees the trainee but only its own enrolments.
    assert Enrolment.objects.visible_to(two_centres["staff_karaj"]).count() == 2
    third = CentreFactory(city=isfahan.city)
    assert not Trainee.objects.visible_to(staff_user("staff.c", "centre_staff", third)).exists()


def test_council_member_of_the_city_and_hq_of_the_province_see_the_area(two_centres):
    isfahan = two_centres["isfahan"]
    trainee = TraineeFactory(registered_at=isfahan)
    council = staff_user("council.a", "council_member", isfahan.city)
    assert list(Trainee.objects.visible_to(council)) == [trainee]
    other_city = staff_user("council.b", "council_member", two_centres["karaj"].city)
    assert not Trainee.objects.visible_to(other_city).exists()


def test_a_resident_sees_only_their_own_record(two_centres):
    resident = UserFactory(username="resident")
    own = TraineeFactory(registered_at=two_centres["isfahan"], user=resident)
    TraineeFactory(registered_at=two_centres["isfahan"])
    assert list(Trainee.objects.visible_to(resident)) == [own]
