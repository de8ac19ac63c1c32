"""HQ secretaries choose a resolution by its code, its meeting and its text: the follow-up
form's picker is the admin's autocomplete, labelled and searched that way, in scope."""

import jdatetime
import pytest
from django.contrib.admin.widgets import AutocompleteSelect
from django.urls import reverse

from centres.admin.meetings import resolution_label
from centres.models import Headquarters, ResolutionFollowUp
from empowerment.kernel.jalali import local_today
from tests.centres.factories import (
    HeadquartersFactory,
    ProvinceFactory,
    make_meeting,
    make_resolution,
    staff_user,
)

pytestmark = pytest.mark.django_db

AUTOCOMPLETE = reverse("admin:autocomplete")
FOLLOW_UP = reverse("admin:centres_resolutionfollowup_add")
TEXTS = ["آسفالت معابر حصه", "راه‌اندازی مرکز مشاوره شغلی", "غرفه دائمی در نمایشگاه بین‌المللی"]


def resolutions_of(hq, number=74):
    meeting = make_meeting(hq, number=number)
    return [make_resolution(meeting, text=text) for text in TEXTS]


@pytest.fixture
def world():
    alborz = HeadquartersFactory(
        name="قرارگاه اجتماعی استان البرز",
        level=Headquarters.Level.PROVINCIAL,
        province=ProvinceFactory(name="البرز"),
    )
    isfahan = HeadquartersFactory(
        name="قرارگاه استان اصفهان",
        level=Headquarters.Level.PROVINCIAL,
        province=ProvinceFactory(name="اصفهان"),
    )
    return {
        "mine": resolutions_of(alborz),
        # The same meeting number and codes, the same texts, in another province.
        "foreign": resolutions_of(isfahan),
        "secretary": staff_user("secretary.alborz", "hq_secretary", alborz),
    }


def suggest(client, term):
    response = client.get(
        AUTOCOMPLETE,
        {
            "app_label": "centres",
            "model_name": "resolutionfollowup",
            "field_name": "resolution",
            "term": term,
        },
    )
    assert response.status_code == 200
    return response.json()["results"]


def test_the_label_names_the_code_the_meeting_and_the_text(world):
    label = resolution_label(world["mine"][2])
    assert "۷۴-۳" in label  # the code, Persian digits
    assert "جلسه ۷۴" in label and "البرز" in label
    assert TEXTS[2] in label


def test_the_follow_up_form_picks_by_autocomplete_with_the_label(client, world):
    client.force_login(world["secretary"])
    page = client.get(FOLLOW_UP, {"resolution": world["mine"][2].pk})
    field = page.context["adminform"].form.fields["resolution"]
    assert isinstance(field.widget.widget, AutocompleteSelect)
    # The chosen resolution is shown with its label, not "مصوبه 74-3".
    assert TEXTS[2] in page.content.decode()


@pytest.mark.parametrize("term", ["74-3", "۷۴-۳", "٧٤/٣", "غرفه دائمی"])
def test_the_picker_finds_by_code_or_text_only_in_scope(client, world, term):
    client.force_login(world["secretary"])
    results = suggest(client, term)
    mine = world["mine"][2]
    assert [r["id"] for r in results] == [str(mine.pk)]
    assert TEXTS[2] in results[0]["text"] and "۷۴-۳" in results[0]["text"]


def test_the_picker_never_lists_a_foreign_resolution(client, world):
    client.force_login(world["secretary"])
    foreign = {str(r.pk) for r in world["foreign"]}
    for term in ["", "74", "آسفالت", "اصفهان", *[str(r.pk) for r in world["foreign"]]]:
        assert not foreign & {r["id"] for r in suggest(client, term)}, term
    assert {r["id"] for r in suggest(client, "")} == {str(r.pk) for r in world["mine"]}


def test_the_picker_offers_only_pending_resolutions(client, world):
    done = world["mine"][0]
    done.status = "done"
    done.save(update_fields=["status"])
    client.force_login(world["secretary"])
    assert str(done.pk) not in {r["id"] for r in suggest(client, "")}


def test_a_forged_foreign_id_is_not_a_choice(client, world):
    client.force_login(world["secretary"])
    today = jdatetime.date.fromgregorian(date=local_today()).strftime("%Y-%m-%d")
    forged = client.post(
        FOLLOW_UP,
        {"resolution": world["foreign"][2].pk, "reported_on": today, "progress": 50, "note": "x"},
    )
    assert forged.status_code == 200
    assert "resolution" in forged.context["adminform"].form.errors
    assert not ResolutionFollowUp.objects.exists()
    done = client.post(
        FOLLOW_UP,
        {"resolution": world["mine"][2].pk, "reported_on": today, "progress": 50, "note": "x"},
    )
    assert done.status_code == 302
    assert ResolutionFollowUp.objects.get().resolution == world["mine"][2]


def test_a_person_without_follow_up_rights_gets_no_suggestions(client, world):
    from tests.centres.factories import CentreFactory

    client.force_login(staff_user("staff.x", "centre_staff", CentreFactory()))
    response = client.get(
        AUTOCOMPLETE,
        {"app_label": "centres", "model_name": "resolutionfollowup", "field_name": "resolution"},
    )
    assert response.status_code == 403
