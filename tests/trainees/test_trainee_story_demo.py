"""The trainee's story and the meeting's minutes over the seeded demo (`seed_demo`): the
pages staff open on real-looking data, and refused to the other centre."""

import pypdfium2
import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse

from centres.models import Meeting
from trainees.models import Trainee

pytestmark = pytest.mark.django_db


def user(username):
    return get_user_model().objects.get(username=username)


def isfahan_trainee():
    """The Isfahan-registered trainee of the demo with the most enrolments, none in Karaj."""
    return (
        Trainee.objects.filter(registered_at__name__contains="اصفهان")
        .annotate(n=Count("enrolments"))
        .exclude(enrolments__cohort__centre__city__name="کرج")
        .order_by("-n", "pk")
        .first()
    )


@pytest.mark.parametrize("username", ["manager.isfahan", "staff.isfahan"])
def test_isfahan_reads_a_demo_trainees_story(client, demo, username):
    trainee = isfahan_trainee()
    assert trainee is not None and trainee.n >= 1
    client.force_login(user(username))
    response = client.get(reverse("admin:trainees_trainee_story", args=[trainee.pk]))
    assert response.status_code == 200
    story = response.context["story"]
    assert len(story.enrolments) == trainee.n
    assert story.history
    assert response.context["national_code"] == trainee.national_code


def test_karaj_gets_404_for_an_isfahan_trainee(client, demo):
    trainee = isfahan_trainee()
    client.force_login(user("staff.karaj"))
    response = client.get(reverse("admin:trainees_trainee_story", args=[trainee.pk]))
    assert response.status_code == 404


def test_the_secretary_prints_the_73rd_meeting(client, demo):
    meeting = Meeting.objects.get(number=73, headquarters__isnull=False)
    client.force_login(user("secretary.alborz"))
    response = client.get(reverse("admin:centres_meeting_minutes_pdf", args=[meeting.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(
        page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(response.content)
    )
    assert "۷۳" in text and "۱۴۰۳" in text
    client.force_login(user("staff.karaj"))
    response = client.get(reverse("admin:centres_meeting_minutes_pdf", args=[meeting.pk]))
    assert response.status_code in (403, 404)
