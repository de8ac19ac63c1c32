"""Residents follow a commitment from its promises page: a mobile, an SMS code, then one SMS
through the outbox at each change of progress or status, each with a link to stop.

Attacked: a forged, altered or replayed unsubscribe link, following twice, a closed or
foreign commitment, the mobile on any public page, Persian and Arabic digits."""

import datetime
import re

import pytest
from django.urls import reverse

from centres import meetings
from centres.models import Commitment, CommitmentFollower, Headquarters
from empowerment.kernel.jalali import local_today
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.sms import ConsoleSMSBackend
from tests.centres.factories import CentreFactory, HeadquartersFactory, PartnerFactory, staff_user
from tests.codes import page_codes

from .conftest import MOBILE, last_code

pytestmark = pytest.mark.django_db

OTHER = "09351234567"


@pytest.fixture
def side(hesseh_centre):
    hq = HeadquartersFactory(
        level=Headquarters.Level.CITY,
        province=hesseh_centre.city.province,
        city=hesseh_centre.city,
    )
    partner = PartnerFactory(name="شهرداری منطقه ۱۴")
    commitment = meetings.commitment_create(
        title="آسفالت کوچه‌های حصه",
        promised_by="شهردار منطقه ۱۴",
        promiser_partner=partner,
        neighbourhood=hesseh_centre.neighbourhoods.get(),
        due_date=local_today() + datetime.timedelta(days=60),
        headquarters=hq,
    )
    secretary = staff_user("sec.hesseh", "hq_secretary", hq)
    return {"centre": hesseh_centre, "commitment": commitment, "secretary": secretary}


def follow(client, post_and_send, commitment, mobile="۰۹۱۲۱۲۳۴۵۶۷"):
    """The resident's two steps: the mobile on the promises page's form, then the code."""
    step1 = post_and_send(
        reverse("public_commitment_follow", args=[commitment.pk]), {"mobile": mobile}
    )
    assert step1.status_code == 302, step1.content.decode()[:2000]
    return post_and_send(step1["Location"], {"code": last_code()}, follow=True)


def news_for(commitment):
    return OutboxMessage.objects.filter(key__startswith="commitment-news:").order_by("pk")


def unfollow_link(message: OutboxMessage) -> str:
    return re.search(r"https?://\S+", message.text).group()


def test_the_promises_page_offers_the_form_and_the_code_confirms_it(client, post_and_send, side):
    commitment = side["commitment"]
    page = client.get(reverse("centre_promises", args=[side["centre"].pk])).content.decode()
    assert reverse("public_commitment_follow", args=[commitment.pk]) in page
    done = follow(client, post_and_send, commitment, mobile="٠٩١٢١٢٣٤٥٦٧")  # Arabic digits
    assert done.redirect_chain[-1][0] == reverse("public_commitment_follow", args=[commitment.pk])
    assert "follow_started" in page_codes(done)
    follower = CommitmentFollower.objects.get()
    assert (follower.commitment, follower.mobile, follower.unsubscribed_at) == (
        commitment,
        MOBILE,
        None,
    )


def test_nothing_is_followed_before_the_code_and_a_wrong_code_keeps_nothing(
    client, post_and_send, side
):
    step1 = post_and_send(
        reverse("public_commitment_follow", args=[side["commitment"].pk]), {"mobile": MOBILE}
    )
    assert not CommitmentFollower.objects.exists()
    wrong = client.post(step1["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    assert not CommitmentFollower.objects.exists()


def test_a_change_of_progress_sends_one_sms_per_follower(client, post_and_send, side):
    commitment = side["commitment"]
    follow(client, post_and_send, commitment, MOBILE)
    follow(client, post_and_send, commitment, OTHER)
    ConsoleSMSBackend.outbox.clear()
    meetings.commitment_progress_record(commitment=commitment, user=side["secretary"], progress=40)
    messages = list(news_for(commitment))
    assert sorted(m.recipient for m in messages) == sorted([MOBILE, OTHER])
    assert all("۴۰" in m.text and "/unfollow/" in m.text for m in messages)
    # The same progress again changes nothing: no message.
    meetings.commitment_progress_record(commitment=commitment, user=side["secretary"], progress=40)
    assert news_for(commitment).count() == 2
    # Done at 100: a change of progress and of status, one more each.
    meetings.commitment_progress_record(commitment=commitment, user=side["secretary"], progress=100)
    assert news_for(commitment).count() == 4


def test_a_milestone_done_tells_the_followers(client, post_and_send, side):
    commitment = side["commitment"]
    milestone = meetings.commitment_milestone_add(
        commitment=commitment, title="کوچه اول", due_date=commitment.due_date
    )
    meetings.commitment_milestone_add(
        commitment=commitment, title="کوچه دوم", due_date=commitment.due_date
    )
    follow(client, post_and_send, commitment)
    meetings.commitment_milestone_complete(milestone=milestone)
    (message,) = news_for(commitment)
    assert message.recipient == MOBILE and "۵۰" in message.text


def test_following_twice_keeps_one_row_and_one_sms_per_change(client, post_and_send, side):
    commitment = side["commitment"]
    follow(client, post_and_send, commitment, MOBILE)
    again = follow(client, post_and_send, commitment, "+98 912 123 4567")
    assert "follow_already" in page_codes(again)
    assert CommitmentFollower.objects.count() == 1
    meetings.commitment_progress_record(commitment=commitment, user=side["secretary"], progress=10)
    assert news_for(commitment).count() == 1


def test_the_link_stops_the_messages_once_and_a_replay_is_refused(client, post_and_send, side):
    commitment = side["commitment"]
    follow(client, post_and_send, commitment)
    meetings.commitment_progress_record(commitment=commitment, user=side["secretary"], progress=20)
    link = unfollow_link(news_for(commitment).get())
    path = link.split("://", 1)[1].split("/", 1)[1]
    path = "/" + path
    # Opening the link (a phone's preview does) changes nothing.
    page = client.get(path)
    assert page.status_code == 200
    assert CommitmentFollower.objects.active().count() == 1
    stopped = client.post(path)
    assert stopped.status_code == 200 and "unfollowed" in page_codes(stopped)
    assert CommitmentFollower.objects.active().count() == 0
    # The same link again: refused, whatever the method.
    for replay in (client.get(path), client.post(path)):
        assert replay.status_code == 404
        assert "unfollow_link_invalid" in page_codes(replay)
    meetings.commitment_progress_record(commitment=commitment, user=side["secretary"], progress=60)
    assert news_for(commitment).count() == 1  # no message after stopping
    # Following again works, with a new link; the old one stays refused.
    follow(client, post_and_send, commitment)
    assert client.post(path).status_code == 404
    assert CommitmentFollower.objects.active().count() == 1


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "1" + token,  # another follower's id, the signature kept
        lambda token: "999.secret:abcdef",
        lambda token: "garbage",
    ],
    ids=["altered-signature", "other-id", "made-up", "garbage"],
)
def test_a_forged_link_is_refused(client, post_and_send, side, forge):
    commitment = side["commitment"]
    follow(client, post_and_send, commitment)
    follower = CommitmentFollower.objects.get()
    token = meetings.commitment_unfollow_token(follower=follower)
    url = reverse("public_commitment_unfollow", args=[forge(token)])
    answer = client.post(url)
    assert answer.status_code == 404 and "unfollow_link_invalid" in page_codes(answer)
    assert CommitmentFollower.objects.active().count() == 1


def test_the_mobile_never_shows_on_a_public_page(client, post_and_send, side):
    commitment = side["commitment"]
    # Not the forms' placeholder (09121234567), so any shape of it found is a leak.
    follow(client, post_and_send, commitment, "۰۹۱۳۱۱۱۲۲۳۳")
    meetings.commitment_progress_record(commitment=commitment, user=side["secretary"], progress=20)
    path = "/" + unfollow_link(news_for(commitment).get()).split("://", 1)[1].split("/", 1)[1]
    for url in (
        reverse("centre_promises", args=[side["centre"].pk]),
        reverse("neighbourhood_promises", args=[commitment.neighbourhood_id]),
        reverse("public_commitment_follow", args=[commitment.pk]),
        path,
    ):
        body = client.get(url).content.decode()
        for shape in ("09131112233", "9131112233", "۰۹۱۳۱۱۱۲۲۳۳", "1112233", "۱۱۱۲۲۳۳"):
            assert shape not in body, url


def test_closed_unknown_or_foreign_commitments_take_no_follower(client, side):
    commitment = side["commitment"]
    Commitment.objects.filter(pk=commitment.pk).update(status="cancelled")
    closed = client.post(
        reverse("public_commitment_follow", args=[commitment.pk]), {"mobile": MOBILE}
    )
    assert closed.status_code == 200 and page_codes(closed) == ["commitment_closed"]
    assert not ConsoleSMSBackend.outbox
    # A commitment to a neighbourhood no active centre serves is not public.
    inactive = CentreFactory(is_active=False)
    hidden = meetings.commitment_create(
        title="وعده پنهان",
        promised_by="کسی",
        neighbourhood=inactive.neighbourhoods.get(),
        due_date=local_today() + datetime.timedelta(days=5),
    )
    url = reverse("public_commitment_follow", args=[hidden.pk])
    assert client.post(url, {"mobile": MOBILE}).status_code == 404
    assert client.get(reverse("public_commitment_follow", args=[999999])).status_code == 404


def test_a_bad_mobile_is_refused_on_the_form(client, side):
    answer = client.post(
        reverse("public_commitment_follow", args=[side["commitment"].pk]), {"mobile": "12345"}
    )
    assert answer.status_code == 200
    assert answer.context["form"].has_error("mobile", "mobile_invalid")
    assert not ConsoleSMSBackend.outbox
