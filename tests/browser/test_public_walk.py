"""The public portal in a real browser (issue 8's "done when").

A resident finds the Isfahan centre from the home page, opens its call for ideas, submits an
idea with the SMS code read from the console backend (the live server runs in this process),
and comments on the centre's news article. Then the centre's staff publish that comment in
the admin with the bulk action, and the article's counts change as they should.
"""

import re
from urllib.parse import urlsplit

import jdatetime
import pytest
from playwright.sync_api import expect

from centres import meetings, news
from centres.models import Comment, CommitmentComment, CommitmentFollower, Headquarters
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.persian import to_persian_digits
from empowerment.kernel.sms import ConsoleSMSBackend
from programs.models import Idea
from programs.services.ideas import idea_submit
from tests.browser.conftest import SCREENSHOTS, admin_sign_in, non_local_requests
from tests.centres.factories import (
    CentreFactory,
    HeadquartersFactory,
    PartnerFactory,
    staff_user,
)
from tests.programs.factories import make_call

pytestmark = pytest.mark.browser

MOBILE = "09131234567"


@pytest.fixture
def portal(places):
    """The Isfahan centre (Districts 10 and 14) with an open call and a published article,
    its member of staff, and a centre in Karaj."""
    centre = places["centre"]
    CentreFactory(name="مرکز توانمندسازی کرج", city=places["karaj"], neighbourhoods=[])
    call = make_call(centre=centre, title="فراخوان جذب ایده حصه و جلوان")
    article = news.article_create(
        title="گشایش مرکز توانمندسازی و اشتغال مناطق ۱۰ و ۱۴",
        lead="بیش از ۸۰ نفر در حال آموختن میناکاری هستند.",
        body="بیش از ۲۴۰ ساعت جلسه برای شناسایی فرصت‌ها برگزار شد.",
        centre=centre,
        publish=True,
    )
    staff = staff_user("staff.isfahan", "centre_staff", centre)
    return {"centre": centre, "call": call, "article": article, "staff": staff}


def counts(page) -> dict[str, str]:
    return {
        key: page.inner_text(f"[data-count={key}]") for key in ("total", "awaiting", "published")
    }


def test_a_resident_submits_an_idea_and_comments_then_staff_publish_the_comment(
    page, browser, live_server, portal, password, screenshot
):
    # Home: right to left, in Vazirmatn, the centre listed under its city.
    page.goto(f"{live_server.url}/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px Vazirmatn'))")
    assert page.inner_text("[data-figure=open_calls]") == "۱"
    screenshot("1-home")

    # Find the Isfahan centre (a search by neighbourhood, as a resident of Hesseh would).
    page.fill("#q", "حصه")
    page.click("form.search button[type=submit]")
    page.click(f"text={portal['centre'].name}")
    page.wait_for_url(f"**/centres/{portal['centre'].pk}/")
    assert "حصه" in page.inner_text("section.neighbourhoods")
    screenshot("2-centre")

    # Its open call for ideas, and the form.
    page.click(f"section.open-calls >> text={portal['call'].title}")
    expect(page.locator("h1")).to_have_text(portal["call"].title)
    page.fill("#id_title", "کارگاه میناکاری خانگی با نام حصه")
    page.fill("#id_summary", "ظروف میناکاری با برند حصه می‌سازیم و در نمایشگاه می‌فروشیم.")
    page.fill("#id_team_members", "نرگس حیدری\nزهرا کاظمی")
    page.fill("#id_support_needed", "کوره‌ی میناکاری و آموزش فروش اینترنتی")
    page.fill("#id_jobs_expected", "4")
    page.fill("#id_submitter_name", "نرگس حیدری")
    page.fill("#id_submitter_mobile", "۰۹۱۳۱۲۳۴۵۶۷")  # typed on a Persian keyboard
    page.select_option("#id_neighbourhood", label="حصه")
    screenshot("3-idea-form")
    page.click("form.resident-form button[type=submit]")

    # Step 2: the code, read from the console SMS backend like a phone would show it.
    page.wait_for_url("**/confirm/**")
    expect(page.locator("#id_code")).to_be_visible()
    assert not Idea.objects.exists()  # nothing written before the code
    sms = ConsoleSMSBackend.outbox[-1]
    assert sms["to"] == MOBILE
    code = re.search(r"\d{6}", sms["text"]).group()
    screenshot("4-code")
    page.fill("#id_code", code)
    page.click("form.code-form button[type=submit]")
    # The confirmation where the resident looks: the message and the tracking number at
    # the top of the page, no form left to send again.
    idea = Idea.objects.get()
    assert urlsplit(page.url).path == f"/track/{idea.tracking_number}/"
    expect(page.locator(".messages")).to_be_in_viewport()
    expect(page.locator("#tracking-number")).to_be_in_viewport()
    expect(page.locator("#tracking-number")).to_have_text(to_persian_digits(idea.tracking_number))
    expect(page.locator("form.resident-form")).to_have_count(0)
    assert idea.title == "کارگاه میناکاری خانگی با نام حصه"
    assert idea.submitter.username == MOBILE
    assert idea.neighbourhood.name == "حصه" and idea.jobs_expected == 4
    screenshot("5-idea-received")

    # The centre's news article: comment on it; the counts move to "awaiting review".
    page.click(f"text={portal['centre'].name}")
    page.click(f"section.latest-news >> text={portal['article'].title}")
    expect(page.locator("form.comment-form")).to_be_visible()
    assert counts(page) == {"total": "۰", "awaiting": "۰", "published": "۰"}
    page.fill("#id_name", "نرگس")
    page.fill("#id_text", "خبر خوبی است؛ کلاس بعدی میناکاری کی آغاز می‌شود؟")
    page.click("form.comment-form button[type=submit]")
    expect(page.locator("[data-count=awaiting]")).to_have_text("۱")
    assert counts(page) == {"total": "۱", "awaiting": "۱", "published": "۰"}
    assert "کلاس بعدی میناکاری" not in page.inner_text("#comments")  # not before review
    screenshot("6-comment-awaiting")
    article_url = page.url.split("#")[0]

    # The centre's staff publish it in the admin with the bulk action.
    staff_context = browser.new_context(locale="fa-IR", viewport={"width": 1366, "height": 900})
    admin = staff_context.new_page()
    admin_sign_in(admin, live_server, portal["staff"].username, password, "/admin/centres/comment/")
    assert urlsplit(admin.url).path == "/admin/centres/comment/"
    comment = Comment.objects.get()
    admin.check(f"input[name=_selected_action][value='{comment.pk}']")
    admin.select_option("select[name=action]", "publish_selected")
    admin.click("button[name=index]")
    expect(admin.locator(".messagelist .success")).to_have_count(1)
    admin.screenshot(path=str(SCREENSHOTS / "public-walk-7-admin-published.png"), full_page=True)
    staff_context.close()
    comment.refresh_from_db()
    assert comment.state == Comment.State.PUBLISHED

    # Back on the public page: published, shown, and the counts say so.
    page.goto(article_url)
    assert counts(page) == {"total": "۱", "awaiting": "۰", "published": "۱"}
    assert "کلاس بعدی میناکاری" in page.inner_text("#comments")
    screenshot("8-comment-published")
    assert non_local_requests(page.requested_urls) == []


def test_the_call_page_fits_a_phone(browser, live_server, portal):
    context = browser.new_context(
        locale="fa-IR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    try:
        phone.goto(f"{live_server.url}/calls/{portal['call'].pk}/")
        expect(phone.locator("form.resident-form button")).to_be_visible()
        assert phone.get_attribute("html", "dir") == "rtl"
        # Nothing wider than the screen: no sideways scrolling.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        # The submit button spans the column, easy to reach with a thumb.
        width = phone.evaluate(
            "document.querySelector('form.resident-form button').getBoundingClientRect().width"
        )
        assert width > 300
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=str(SCREENSHOTS / "public-call-phone-390.png"), full_page=True)
        phone.goto(f"{live_server.url}/centres/{portal['centre'].pk}/")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(SCREENSHOTS / "public-centre-phone-390.png"), full_page=True)
    finally:
        context.close()


def test_a_resident_follows_an_idea_on_a_phone(browser, live_server, portal, screenshot):
    """Another day, another phone: the tracking number from the SMS (typed in Persian
    digits) and the mobile, the code, and the status."""
    idea = idea_submit(
        call=portal["call"],
        title="کارگاه میناکاری خانگی",
        summary="کارگاهی کوچک در خانه",
        submitter_name="نرگس حیدری",
        submitter_mobile=MOBILE,
    )
    context = browser.new_context(
        locale="fa-IR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    try:
        phone.goto(f"{live_server.url}/")
        phone.click("nav >> text=پیگیری درخواست")
        phone.fill("#id_number", to_persian_digits(idea.tracking_number))
        phone.fill("#id_mobile", to_persian_digits(MOBILE))
        phone.screenshot(path=str(SCREENSHOTS / "public-track-1-phone-390.png"), full_page=True)
        phone.click("form.resident-form button[type=submit]")
        phone.wait_for_url("**/confirm/**")
        code = re.search(r"\d{6}", ConsoleSMSBackend.outbox[-1]["text"]).group()
        phone.fill("#id_code", code)
        phone.click("form.code-form button[type=submit]")
        expect(phone.locator("#tracked-status")).to_have_text(str(Idea.Status.SUBMITTED.label))
        expect(phone.locator("#tracking-number")).to_be_in_viewport()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(SCREENSHOTS / "public-track-2-phone-390.png"), full_page=True)
    finally:
        context.close()


def test_a_neighbourhood_sees_what_was_promised_to_it(browser, live_server, places):
    """The Hesseh page on a phone and at 1366 px: the 1401 asphalt promise, overdue, with
    its milestones; reached from the centre's page."""
    hesseh = places["neighbourhoods"]["hesseh"]
    commitment = meetings.commitment_create(
        title="آسفالت و احداث پیاده‌رو معابر محله حصه",
        description="شهرداران مناطق وعده دادند تا ابتدای سال ۱۴۰۱ معابر متعددی آسفالت شود.",
        promised_by="شهرداران مناطق ۱۰ و ۱۴ اصفهان",
        promiser_partner=PartnerFactory(name="شهرداری اصفهان"),
        neighbourhood=hesseh,
        promised_on=jdatetime.date(1400, 10, 20),
        due_date=jdatetime.date(1401, 1, 1),
        milestones=[
            ("آسفالت معابر اصلی", jdatetime.date(1400, 12, 15)),
            ("احداث پیاده‌رو", jdatetime.date(1401, 1, 1)),
        ],
    )
    for width, height, name in ((1366, 768, "desktop"), (390, 844, "phone-390")):
        context = browser.new_context(
            locale="fa-IR", viewport={"width": width, "height": height}, is_mobile=width < 500
        )
        page = context.new_page()
        try:
            page.goto(f"{live_server.url}/centres/{places['centre'].pk}/")
            page.click(f"section.neighbourhoods >> text={hesseh.name}")
            page.wait_for_url(f"**/neighbourhoods/{hesseh.pk}/promises/")
            card = page.locator(f"[data-commitment='{commitment.pk}']")
            expect(card).to_contain_text(commitment.title)
            expect(card.locator(".tag.overdue")).to_be_visible()
            expect(card.locator("ol.milestones li")).to_have_count(2)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(SCREENSHOTS / f"public-promises-{name}.png"), full_page=True)
        finally:
            context.close()


def test_a_resident_follows_and_comments_on_a_promise_then_stops_by_the_sms_link(
    browser, live_server, places
):
    """On a phone: the Hesseh page, the follow form under the promise (Persian digits), the
    SMS code, a comment; the secretary's progress sends an SMS whose link stops the
    messages with one button; the mobile is never on a page."""
    hesseh = places["neighbourhoods"]["hesseh"]
    hq = HeadquartersFactory(
        level=Headquarters.Level.CITY,
        province=places["centre"].city.province,
        city=places["centre"].city,
    )
    commitment = meetings.commitment_create(
        title="آسفالت و احداث پیاده‌رو معابر محله حصه",
        promised_by="شهرداران مناطق ۱۰ و ۱۴ اصفهان",
        neighbourhood=hesseh,
        headquarters=hq,
        due_date=jdatetime.date(1401, 1, 1),
    )
    context = browser.new_context(
        locale="fa-IR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    try:
        phone.goto(f"{live_server.url}/neighbourhoods/{hesseh.pk}/promises/")
        card = phone.locator(f"[data-commitment='{commitment.pk}']")
        card.locator("details.follow summary").click()
        card.locator(f"#follow-mobile-{commitment.pk}").fill(to_persian_digits(MOBILE))
        card.locator("form.follow-form button[type=submit]").click()
        phone.wait_for_url("**/confirm/**")
        code = re.search(r"\d{6}", ConsoleSMSBackend.outbox[-1]["text"]).group()
        phone.fill("#id_code", code)
        phone.click("form.code-form button[type=submit]")
        # The form's anchor (#follow) stays on the page the confirmation leads to.
        phone.wait_for_url(re.compile(rf"/commitments/{commitment.pk}/follow/"))
        expect(phone.locator("[data-code=follow_started]")).to_be_visible()
        assert MOBILE not in phone.content()

        phone.fill("#id_name", "نرگس")
        phone.fill("#id_text", "پیاده‌رو کوچه‌های فرعی کی ساخته می‌شود؟")
        phone.click("form.comment-form button[type=submit]")
        expect(phone.locator("[data-code=comment_received]")).to_be_visible()
        assert CommitmentComment.objects.get().state == CommitmentComment.State.AWAITING
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(SCREENSHOTS / "public-promise-follow-phone-390.png"))

        meetings.commitment_progress_record(
            commitment=commitment,
            user=staff_user("secretary.hesseh", "hq_secretary", hq),
            progress=30,
        )
        sms = OutboxMessage.objects.get(key__startswith="commitment-news:")
        link = re.search(r"https?://\S+", sms.text).group()
        phone.goto(live_server.url + "/" + link.split("://", 1)[1].split("/", 1)[1])
        phone.click("form.resident-form button[type=submit]")
        expect(phone.locator("[data-code=unfollowed]")).to_be_visible()
        assert not CommitmentFollower.objects.active().exists()
    finally:
        context.close()
