"""seed_demo adds the meetings, resolutions, commitment and calls, and stays idempotent."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from centres.models import Commitment, Meeting, Resolution
from centres.selectors import opportunity_meeting_hours
from programs.models import Idea, IdeaCall

pytestmark = pytest.mark.django_db


def test_demo_meetings_and_ideas_are_seeded_once():
    call_command("seed_demo")
    counts = (Meeting.objects.count(), Resolution.objects.count(), Idea.objects.count())
    call_command("seed_demo")
    assert (Meeting.objects.count(), Resolution.objects.count(), Idea.objects.count()) == counts
    manager = get_user_model().objects.get(username="manager.isfahan")
    (row,) = opportunity_meeting_hours(user=manager)
    assert row["hours"] == Decimal("240")
    meeting = Meeting.objects.get(number=73)
    assert str(meeting.date) == "1403-12-27"
    statuses = set(meeting.resolutions.values_list("status", flat=True))
    assert "done" in statuses
    assert Resolution.objects.overdue().exists()
    assert Commitment.objects.overdue().count() == 1
    closed, open_ = IdeaCall.objects.order_by("opens_on")
    assert closed.decisions_published and not open_.decisions_published
    assert open_.is_open
