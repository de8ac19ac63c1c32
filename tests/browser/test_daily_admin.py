"""Daily work in the admin, in a real browser (issue 15): attendance of a session of 84
trainees in a few clicks on a desktop and on a phone, the first page showing what waits,
and the reviewer's form with every score field and its scale from the start."""

import datetime

import pytest
from playwright.sync_api import expect

from empowerment.kernel import second_factor
from empowerment.kernel.jalali import today_jalali
from tests.browser.conftest import admin_sign_in
from tests.centres.factories import ArticleFactory, CentreFactory, CommentFactory, staff_user
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    make_call,
    make_idea,
    to_review,
)
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees.models import Attendance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRAINEES = 84
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def days(n: int):
    return today_jalali() + datetime.timedelta(days=n)


@pytest.fixture
def minakari():
    """The minakari cohort at the Districts 10 and 14 centre: 84 trainees, a session today."""
    centre = CentreFactory(name="مرکز توانمندسازی مناطق ۱۰ و ۱۴")
    cohort = CohortFactory(
        centre=centre,
        title="میناکاری",
        code="MNK-1405-1",
        capacity=TRAINEES,
        start_date=days(-30),
        end_date=days(30),
    )
    session = CohortSessionFactory(
        cohort=cohort, date=days(0), start_time=datetime.time(9), topic="لعاب‌کاری"
    )
    names = ["زهرا", "مریم", "فاطمه", "نرگس", "سمیه", "لیلا", "الهام"]
    enrolments = [
        EnrolmentFactory(
            cohort=cohort,
            trainee=TraineeFactory(
                registered_at=centre, first_name=names[n % len(names)], last_name=f"حصه‌ای {n}"
            ),
        )
        for n in range(TRAINEES - 1)
    ]
    kazemi = EnrolmentFactory(
        cohort=cohort,
        trainee=TraineeFactory(registered_at=centre, first_name="رقیه", last_name="کاظمی"),
    )
    staff = staff_user("staff.hesseh", "centre_staff", centre)
    return {
        "centre": centre,
        "session": session,
        "enrolments": [*enrolments, kazemi],
        "kazemi": kazemi,
        "staff": staff,
    }


class Clicks:
    """Counts the presses a person makes, those of the routine and the exceptions apart."""

    def __init__(self, page):
        self.page = page
        self.routine = 0
        self.exceptions = 0

    def press(self, selector: str, *, exception: bool = False):
        self.page.locator(selector).click()
        if exception:
            self.exceptions += 1
        else:
            self.routine += 1


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


@pytest.mark.parametrize(
    ("screen", "viewport"),
    [("desktop", {"width": 1366, "height": 768}), ("phone", {"width": 390, "height": 844})],
)
def test_attendance_of_84_trainees_in_five_clicks(
    page, live_server, password, minakari, screen, viewport, screenshot
):
    page.set_viewport_size(viewport)
    admin_sign_in(page, live_server, "staff.hesseh", password)
    clicks = Clicks(page)
    # 1. The first page: today's sessions at the centre.
    expect(page.locator("#waiting [data-key=sessions] .waiting-count")).to_have_text("۱")
    screenshot(f"{screen}-index")
    clicks.press("#waiting [data-key=sessions] a")
    expect(page.locator("#sessions-today .session-link")).to_have_count(1)
    screenshot(f"{screen}-sessions-today")
    # 2. The session.
    clicks.press("#sessions-today .session-link")
    expect(page.locator("#attendance-sheet .attendance-row")).to_have_count(TRAINEES)
    assert page.locator("#attendance-sheet input[type=radio]:checked").count() == 0
    # 3. Everyone present.
    clicks.press("#all-present")
    expect(page.locator("#marked-count")).to_have_text("۸۴")
    assert page.locator("input[type=radio][value=present]:checked").count() == TRAINEES
    # The exceptions: two absent, one excused found with the search box (Arabic letters).
    absent = minakari["enrolments"][:2]
    for enrolment in absent:
        clicks.press(f"label[for=id_e{enrolment.pk}_1]", exception=True)
    clicks.press("#roster-filter", exception=True)
    page.fill("#roster-filter", "كاظمي")
    expect(page.locator("#attendance-sheet .attendance-row:visible")).to_have_count(1)
    kazemi = minakari["kazemi"].pk
    clicks.press(f"label[for=id_e{kazemi}_2]", exception=True)
    screenshot(f"{screen}-attendance-search")
    page.fill("#roster-filter", "")
    expect(page.locator("#attendance-sheet .attendance-row:visible")).to_have_count(TRAINEES)
    assert no_sideways_scroll(page), "the sheet scrolls sideways"
    # The save button is at hand without scrolling back (it sticks to the bottom).
    expect(page.locator("#save-attendance")).to_be_in_viewport()
    screenshot(f"{screen}-attendance-marked", full_page=False)
    # 4. Save.
    clicks.press("#save-attendance")
    expect(page.locator(".messagelist .success")).to_be_visible()
    screenshot(f"{screen}-attendance-saved")

    assert clicks.routine <= 5, f"{clicks.routine} clicks beyond the exceptions"
    assert clicks.routine == 4 and clicks.exceptions == 4
    marks = dict(
        Attendance.objects.filter(session=minakari["session"]).values_list("enrolment_id", "status")
    )
    assert len(marks) == TRAINEES
    assert [e.pk for e in absent] == sorted(k for k, v in marks.items() if v == "absent")
    assert [k for k, v in marks.items() if v == "excused"] == [kazemi]
    assert set(Attendance.objects.values_list("recorded_by__username", flat=True)) == {
        "staff.hesseh"
    }
    # After saving, the sheet shows the marks and the rates so far.
    expect(page.locator(f"#id_e{kazemi}_2")).to_be_checked()
    expect(page.locator("#attendance-sheet .attendance-row").first).to_contain_text("٪")


def test_the_first_page_shows_what_waits(page, live_server, password, minakari, screenshot):
    centre = minakari["centre"]
    manager = staff_user("manager.hesseh", "centre_manager", centre)
    second_factor.device_set(user=manager, secret=SECRET)
    for _ in range(3):
        CommentFactory(article=ArticleFactory(centre=centre))
    # Another centre's comment is not counted.
    CommentFactory(article=ArticleFactory(centre=CentreFactory(name="مرکز کرج")))
    admin_sign_in(page, live_server, "manager.hesseh", password)
    waiting = page.locator("#waiting")
    expect(waiting).to_be_visible()
    expect(waiting.locator("[data-key=comments] .waiting-count")).to_have_text("۳")
    expect(waiting.locator("[data-key=sessions] .waiting-count")).to_have_text("۱")
    # The counts sit above the apps' list, in the first screen.
    expect(waiting).to_be_in_viewport()
    screenshot("index-manager")
    waiting.locator("[data-key=comments] a").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    screenshot("index-comments-list")


def test_the_reviewer_sees_every_score_field_with_its_scale(
    page, live_server, password, screenshot
):
    centre = CentreFactory(name="مرکز حصه")
    staff = staff_user("staff.ideas", "centre_staff", centre)
    reviewer = staff_user("reviewer.hesseh", "reviewer", centre)
    call = make_call(centre=centre, reviewers=[reviewer], title="فراخوان ایده‌های حصه")
    to_review(make_idea(call, title="برند میناکاری حصه"), staff)
    admin_sign_in(page, live_server, "reviewer.hesseh", password)
    expect(page.locator("#waiting [data-key=ideas] .waiting-count")).to_have_text("۱")
    page.locator("#waiting [data-key=ideas] a").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.goto(f"{live_server.url}/admin/programs/ideareview/add/")
    criteria = list(call.criteria.order_by("order", "pk"))
    for criterion in criteria:
        field = page.locator(f"#id_score_{criterion.pk}")
        expect(field).to_be_visible()
        # The label and the help carry the scale, 0 to 10.
        row = page.locator(f".field-score_{criterion.pk}")
        expect(row).to_contain_text("۱۰")
    screenshot("review-form")
    for criterion in criteria:
        page.fill(f"#id_score_{criterion.pk}", "۸")
    page.fill("#id_comment", "ایده‌ای با بازار روشن")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    screenshot("review-saved")
    from programs.models import IdeaReview

    review = IdeaReview.objects.get()
    assert set(review.scores.values_list("score", flat=True)) == {8}


def test_the_secretary_picks_a_resolution_by_its_code_and_text(
    page, live_server, password, screenshot
):
    from centres.models import Headquarters, ResolutionFollowUp
    from tests.centres.factories import (
        HeadquartersFactory,
        ProvinceFactory,
        make_meeting,
        make_resolution,
    )

    alborz = HeadquartersFactory(
        name="قرارگاه اجتماعی استان البرز",
        level=Headquarters.Level.PROVINCIAL,
        province=ProvinceFactory(name="البرز"),
    )
    meeting = make_meeting(alborz, number=74)
    texts = ["آسفالت معابر", "مرکز مشاوره شغلی", "غرفه دائمی محله‌های کم‌برخوردار در نمایشگاه"]
    resolutions = [make_resolution(meeting, text=text) for text in texts]
    # Another province's meeting 74 has a resolution 74-3 too: it is never offered.
    other = HeadquartersFactory(
        name="قرارگاه استان اصفهان",
        level=Headquarters.Level.PROVINCIAL,
        province=ProvinceFactory(name="اصفهان"),
    )
    other_meeting = make_meeting(other, number=74)
    for text in texts:
        make_resolution(other_meeting, text=text)
    secretary = staff_user("secretary.alborz", "hq_secretary", alborz)
    second_factor.device_set(user=secretary, secret=SECRET)
    admin_sign_in(
        page, live_server, "secretary.alborz", password, "/admin/centres/resolutionfollowup/add/"
    )
    page.locator(".field-resolution .select2-selection").click()
    page.locator(".select2-search__field").fill("۷۴-۳")
    options = page.locator(".select2-results__option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("غرفه دائمی")
    expect(options.first).to_contain_text("البرز")
    screenshot("resolution-picker")
    options.first.click()
    page.fill("#id_reported_on", today_jalali().strftime("%Y/%m/%d"))
    page.fill("#id_progress", "۴۰")
    page.fill("#id_note", "مکان غرفه تعیین شد")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert ResolutionFollowUp.objects.get().resolution == resolutions[2]
