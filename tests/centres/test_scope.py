import pytest

from centres.models import Centre, Headquarters, StaffRole
from centres.scope import scope_for
from tests.centres.factories import CentreFactory, HeadquartersFactory, PartnerFactory, staff_user

pytestmark = pytest.mark.django_db


def test_provincial_hq_secretary_reaches_the_province(two_centres):
    karaj = two_centres["karaj"]
    hq = HeadquartersFactory(name="قرارگاه البرز", province=karaj.city.province)
    secretary = staff_user("sec", "hq_secretary", hq)
    assert set(Centre.objects.visible_to(secretary)) == {karaj}
    assert set(Headquarters.objects.visible_to(secretary)) == {hq}


def test_no_role_sees_nothing(two_centres):
    from tests.centres.factories import UserFactory

    nobody = UserFactory()
    assert scope_for(nobody).is_empty
    assert not Centre.objects.visible_to(nobody).exists()


def test_roles_are_idempotent_and_give_group_and_staff_flag(two_centres):
    partner = PartnerFactory()
    officer = staff_user("officer", "partner_officer", partner)
    from centres.services import staff_role_assign

    staff_role_assign(user=officer, role="partner_officer", scope=partner)
    assert StaffRole.objects.filter(user=officer).count() == 1
    assert officer.is_staff
    assert officer.groups.filter(name="role:partner_officer").exists()
    assert officer.has_perm("centres.view_partner")
    assert not officer.has_perm("centres.change_centre")


def test_role_in_the_wrong_kind_of_scope_is_refused(two_centres):
    from django.core.exceptions import ValidationError

    from centres.services import staff_role_assign
    from tests.centres.factories import UserFactory

    with pytest.raises(ValidationError):
        staff_role_assign(
            user=UserFactory(), role="centre_staff", scope=two_centres["isfahan"].city
        )
    assert not StaffRole.objects.filter(role="centre_staff", city__isnull=False).exists()


def test_visible_to_does_not_repeat_rows_through_many_valued_paths(two_centres):
    from centres.models import Neighbourhood

    centre = two_centres["isfahan"]
    staff = two_centres["staff_isfahan"]
    # The neighbourhood is reached both through the centre and through its district.
    rows = list(Neighbourhood.objects.visible_to(staff))
    assert len(rows) == len(set(rows)) == centre.neighbourhoods.count()


def test_headquarters_level_rules():
    from django.core.exceptions import ValidationError

    hq = Headquarters(name="بی‌نام", level=Headquarters.Level.CITY)
    with pytest.raises(ValidationError) as excinfo:
        hq.full_clean()
    assert "city" in excinfo.value.message_dict


def test_centre_factory_builds_scope_paths():
    centre = CentreFactory()
    council = staff_user("prov", "council_member", centre.city.province)
    assert list(Centre.objects.visible_to(council)) == [centre]


def test_scope_keeps_which_ids_came_from_which_role(two_centres):
    isfahan, karaj = two_centres["isfahan"], two_centres["karaj"]
    from centres.services import staff_role_assign

    user = staff_user("both", "reviewer", isfahan)
    staff_role_assign(user=user, role="centre_staff", scope=karaj)
    hq = HeadquartersFactory(name="قرارگاه البرز", province=karaj.city.province)
    staff_role_assign(user=user, role="hq_secretary", scope=hq)
    user.refresh_from_db()
    scope = scope_for(user)
    # The merged sets stay as before (backward compatible) ...
    assert scope.centre == {isfahan.pk, karaj.pk}
    assert scope.province == {karaj.city.province_id}
    # ... and the per-role view tells a reviewer's centre from a staff member's.
    assert scope.role_ids("centre", roles={"reviewer"}) == {isfahan.pk}
    assert scope.role_ids("centre", exclude={"reviewer"}) == {karaj.pk}
    assert scope.role_ids("province", roles={"hq_secretary"}) == {karaj.city.province_id}
    assert scope.role_ids("headquarters") == {hq.pk}


def test_a_reviewer_scope_does_not_open_the_registry_but_other_roles_still_do(two_centres):
    from centres.services import staff_role_assign
    from tests.trainees.factories import TraineeFactory
    from trainees.models import Trainee

    isfahan, karaj = two_centres["isfahan"], two_centres["karaj"]
    at_isfahan = TraineeFactory(registered_at=isfahan)
    at_karaj = TraineeFactory(registered_at=karaj)
    reviewer = staff_user("judge", "reviewer", isfahan)
    assert not Trainee.objects.visible_to(reviewer).exists()
    # The same person also on Karaj's staff: Karaj's registry opens, Isfahan's stays shut.
    staff_role_assign(user=reviewer, role="centre_staff", scope=karaj)
    assert list(Trainee.objects.visible_to(reviewer)) == [at_karaj]
    assert at_isfahan not in Trainee.objects.visible_to(reviewer)
