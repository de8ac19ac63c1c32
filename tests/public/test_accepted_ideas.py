"""A call for ideas, once its decisions are published, shows its accepted ideas (title and
summary) with the submitter's consent given in the form, and the submitter's name only with
a second consent; never a mobile, never a rejected idea, nothing before the decisions.
(The demo's decided call: test_accepted_ideas_demo.py.)"""

import pytest
from django.urls import reverse

from programs.models import Idea
from programs.services import ideas as services
from tests.centres.factories import staff_user
from tests.programs.factories import close_call, make_call

from .conftest import last_code
from .test_calls import idea_data

pytestmark = pytest.mark.django_db


def test_the_consent_is_given_in_the_form_and_kept(client, post_and_send, open_call):
    step1 = post_and_send(
        reverse("public_call_detail", args=[open_call.pk]),
        idea_data(publish_consent="on", publish_name_consent="on"),
    )
    assert step1.status_code == 302
    post_and_send(step1["Location"], {"code": last_code()})
    idea = Idea.objects.get()
    assert idea.publish_consent and idea.publish_name_consent


def test_without_consent_nothing_is_shown_and_the_name_needs_the_idea(
    client, post_and_send, open_call
):
    # The name alone, without the idea: neither is kept as a consent.
    step1 = post_and_send(
        reverse("public_call_detail", args=[open_call.pk]),
        idea_data(publish_name_consent="on"),
    )
    post_and_send(step1["Location"], {"code": last_code()})
    idea = Idea.objects.get()
    assert not idea.publish_consent and not idea.publish_name_consent


def test_nothing_shows_before_the_decisions_are_published(client, hesseh_centre):
    call = make_call(centre=hesseh_centre, title="فراخوان آزمایشی")
    idea = services.idea_submit(
        call=call,
        title="ایده پذیرفته",
        summary="خلاصه",
        submitter_name="نرگس",
        submitter_mobile="۰۹۱۳۱۱۱۲۲۳۳",
        publish_consent=True,
        publish_name_consent=True,
    )
    Idea.objects.filter(pk=idea.pk).update(status=Idea.Status.ACCEPTED)
    page = client.get(reverse("public_call_detail", args=[call.pk]))
    assert page.context["accepted_ideas"] is None
    assert "ایده پذیرفته" not in page.content.decode()
    manager = staff_user("manager.h", "centre_manager", hesseh_centre)
    services.idea_call_publish_decisions(call=close_call(call), user=manager)
    body = client.get(reverse("public_call_detail", args=[call.pk])).content.decode()
    assert "ایده پذیرفته" in body and "نرگس" in body
    assert "09131112233" not in body and "۰۹۱۳۱۱۱۲۲۳۳" not in body
