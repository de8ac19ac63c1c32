"""The demo's decided call for ideas, opened as a resident would from the Isfahan centre's
page: its accepted ideas whose submitters consented, a name only with its consent, never a
mobile or a tracking number, never the rejected idea (the demo is loaded once)."""

import pytest
from django.urls import reverse

from programs.models import Idea, IdeaCall

pytestmark = pytest.mark.django_db


def test_the_demo_decided_call_shows_only_consented_accepted_ideas(client, demo):
    call = IdeaCall.objects.get(title="فراخوان جذب ایده‌های کسب‌وکار صنایع دستی ۱۴۰۰")
    centre_page = client.get(reverse("centre_detail", args=[call.centre_id])).content.decode()
    assert reverse("public_call_detail", args=[call.pk]) in centre_page
    page = client.get(reverse("public_call_detail", args=[call.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    accepted = Idea.objects.filter(call=call, status=Idea.Status.ACCEPTED)
    assert accepted.count() == 2
    assert {i.title for i in page.context["accepted_ideas"]} == set(
        accepted.values_list("title", flat=True)
    )
    for idea in Idea.objects.filter(call=call):
        shown = idea.status == Idea.Status.ACCEPTED and idea.publish_consent
        assert (f'data-idea="{idea.pk}"' in body) == shown, idea.title
        assert (idea.submitter_name in body) == (shown and idea.publish_name_consent)
        assert idea.submitter_mobile not in body and idea.submitter_mobile[1:] not in body
        assert idea.tracking_number not in body
    assert "کافه کتاب محله جلوان" not in body  # rejected, though consented
