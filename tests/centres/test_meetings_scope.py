"""Resolutions are seen by the body's staff, the area's readers and the assigned partners."""

import pytest

from centres.models import Commitment, Meeting, Resolution, ResolutionFollowUp
from tests.centres.factories import (
    CentreFactory,
    HeadquartersFactory,
    PartnerFactory,
    make_meeting,
    make_resolution,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    alborz_hq = HeadquartersFactory(name="قرارگاه البرز")
    other_hq = HeadquartersFactory(name="قرارگاه دیگر")
    centre = CentreFactory(city__province=alborz_hq.province)
    relief, tvto, other = (PartnerFactory() for _ in range(3))
    meeting = make_meeting(alborz_hq, number=73)
    other_meeting = make_meeting(other_hq)
    centre_meeting = make_meeting(centre)
    return {
        "to_relief": make_resolution(meeting, responsible=relief),
        "relief_cooperates": make_resolution(meeting, responsible=tvto, cooperating=[relief]),
        "to_other": make_resolution(meeting, responsible=other),
        "elsewhere": make_resolution(other_meeting, responsible=relief),
        "centre_res": make_resolution(centre_meeting, responsible=tvto),
        "officer": staff_user("officer", "partner_officer", relief),
        "secretary": staff_user("secretary", "hq_secretary", alborz_hq),
        "council": staff_user("council", "council_member", centre.city),
        "centre_staff": staff_user("staff", "centre_staff", centre),
        "meetings": (meeting, other_meeting, centre_meeting),
    }


def _visible(user):
    return set(Resolution.objects.visible_to(user))


def test_partner_officer_sees_only_resolutions_of_their_organisation(world):
    w = world
    assert _visible(w["officer"]) == {w["to_relief"], w["relief_cooperates"], w["elsewhere"]}
    # ... and the meetings that gave them those, nothing else.
    assert set(Meeting.objects.visible_to(w["officer"])) == {w["meetings"][0], w["meetings"][1]}
    assert not Commitment.objects.visible_to(w["officer"]).exists()


def test_secretary_sees_the_hq_and_its_province(world):
    w = world
    # The provincial HQ reaches the province: its own meeting and the centre's there.
    assert _visible(w["secretary"]) == {
        w["to_relief"],
        w["relief_cooperates"],
        w["to_other"],
        w["centre_res"],
    }


def test_centre_staff_and_city_council(world):
    w = world
    assert _visible(w["centre_staff"]) == {w["centre_res"]}
    assert _visible(w["council"]) == {w["centre_res"]}


def test_follow_ups_follow_their_resolution(world):
    from centres.meetings import resolution_follow_up_add

    w = world
    mine = resolution_follow_up_add(
        resolution=w["to_relief"], user=w["officer"], progress=10, note="آغاز"
    )
    theirs = resolution_follow_up_add(
        resolution=w["to_other"], user=w["secretary"], progress=10, note="آغاز"
    )
    assert set(ResolutionFollowUp.objects.visible_to(w["officer"])) == {mine}
    assert set(ResolutionFollowUp.objects.visible_to(w["secretary"])) == {mine, theirs}
