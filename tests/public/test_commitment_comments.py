"""Residents comment on a commitment; staff whose scope holds it publish or reject the
comment in the admin (the news comments' moderation), and it waits on the admin's first
page until then.

Attacked: a robot filling the hidden field, too many comments from one address, a
moderator of another centre posting a forged id, empty text, a hidden commitment."""

import datetime

import pytest
from django.urls import reverse

from centres import meetings
from centres.models import CommitmentComment
from empowerment.kernel.jalali import local_today
from empowerment.kernel.waiting import waiting_for
from tests.centres.factories import CentreFactory, staff_user
from tests.codes import message_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def side(hesseh_centre):
    commitment = meetings.commitment_create(
        title="آسفالت کوچه‌های حصه",
        promised_by="شهردار منطقه ۱۴",
        neighbourhood=hesseh_centre.neighbourhoods.get(),
        due_date=local_today() + datetime.timedelta(days=60),
    )
    staff = staff_user("staff.hesseh", "centre_staff", hesseh_centre)
    other = CentreFactory(name="مرکز دیگر")
    foreign_staff = staff_user("staff.other", "centre_staff", other)
    return {
        "centre": hesseh_centre,
        "commitment": commitment,
        "staff": staff,
        "foreign_staff": foreign_staff,
    }


def comment(client, commitment, text="کی کار تمام می‌شود؟", **extra):
    return client.post(
        reverse("public_commitment_comment", args=[commitment.pk]),
        {"name": "رضا", "text": text, "website": "", **extra},
    )


def test_a_comment_waits_for_review_then_shows_once_published(client, side):
    commitment = side["commitment"]
    sent = comment(client, commitment, text="كي كار تمام مي‌شود؟ ۱۴۰۳")  # Arabic ي/ك
    assert sent.status_code == 302
    assert "comment_received" in message_codes(sent)
    stored = CommitmentComment.objects.get()
    assert stored.state == CommitmentComment.State.AWAITING
    assert stored.text.startswith("کی کار")  # normalised
    pages = [
        reverse("public_commitment_follow", args=[commitment.pk]),
        reverse("centre_promises", args=[side["centre"].pk]),
    ]
    for url in pages:
        assert "کی کار تمام" not in client.get(url).content.decode()

    # The staff of the centre serving the neighbourhood see it waiting and publish it.
    client.force_login(side["staff"])
    index = client.get(reverse("admin:index"))
    item = next(i for i in waiting_for(index.wsgi_request) if i.key == "commitment_comments")
    assert item.count == 1
    changelist = reverse("admin:centres_commitmentcomment_changelist")
    assert client.get(item.url).status_code == 200
    done = client.post(changelist, {"action": "publish_selected", "_selected_action": [stored.pk]})
    assert done.status_code == 302
    stored.refresh_from_db()
    assert stored.state == CommitmentComment.State.PUBLISHED
    assert stored.moderated_by == side["staff"]
    client.logout()
    for url in pages:
        assert "کی کار تمام" in client.get(url).content.decode()


def test_a_moderator_of_another_centre_neither_sees_nor_moderates_it(client, side):
    comment(client, side["commitment"])
    stored = CommitmentComment.objects.get()
    client.force_login(side["foreign_staff"])
    index = client.get(reverse("admin:index"))
    item = next(i for i in waiting_for(index.wsgi_request) if i.key == "commitment_comments")
    assert item.count == 0
    changelist = reverse("admin:centres_commitmentcomment_changelist")
    client.post(changelist, {"action": "publish_selected", "_selected_action": [stored.pk]})
    stored.refresh_from_db()
    assert stored.state == CommitmentComment.State.AWAITING
    change = reverse("admin:centres_commitmentcomment_change", args=[stored.pk])
    assert client.get(change).status_code in (302, 404)


def test_a_robot_is_answered_like_a_person_and_nothing_is_stored(client, side):
    sent = comment(client, side["commitment"], website="http://spam.example")
    assert sent.status_code == 302 and "comment_received" in message_codes(sent)
    assert not CommitmentComment.objects.exists()


def test_too_many_comments_from_one_address_are_refused(client, side):
    for _ in range(5):
        assert comment(client, side["commitment"]).status_code == 302
    refused = comment(client, side["commitment"])
    assert refused.status_code == 429
    assert refused.context["comment_form"].has_error("__all__", "rate_limited")
    assert CommitmentComment.objects.count() == 5


def test_empty_text_is_refused_and_a_hidden_commitment_is_not_found(client, side):
    refused = comment(client, side["commitment"], text="")
    assert refused.status_code == 200
    assert refused.context["comment_form"].has_error("text", "required")
    inactive = CentreFactory(is_active=False)
    hidden = meetings.commitment_create(
        title="وعده پنهان",
        promised_by="کسی",
        neighbourhood=inactive.neighbourhoods.get(),
        due_date=local_today() + datetime.timedelta(days=5),
    )
    assert comment(client, hidden).status_code == 404
    assert comment(client, type(hidden)(pk=999999)).status_code == 404
    assert not CommitmentComment.objects.exists()
    assert client.get(reverse("public_commitment_comment", args=[hidden.pk])).status_code == 405
