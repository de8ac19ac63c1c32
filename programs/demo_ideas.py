"""Demo calls for ideas at the Isfahan centre: one open, one closed and decided.

Built through the services; idempotent (a call that exists is left as it is). Ideas can
only be submitted while a call is open, so the closed call is entered as open and its
window is then set to its real, past dates, as a centre that enters a past call would.
"""

import datetime

import jdatetime

from empowerment.kernel.jalali import local_today

from .models.ideas import Idea, IdeaCall
from .services import ideas as services

CRITERIA = [
    ("نوآوری", 3),
    ("امکان‌پذیری", 2),
    ("اشتغال محلی ایجادشده", 3),
    ("استفاده از مهارت‌های محلی", 2),
]

CLOSED_IDEAS = [
    # title, summary, submitter, mobile, jobs, scores per criterion, decision
    (
        "کارگاه میناکاری با برند حصه",
        "تولید ظروف میناکاری با نشان «حصه» و فروش در غرفه دائمی نمایشگاه بین‌المللی.",
        "نرگس حیدری",
        "09131110001",
        12,
        [9, 8, 9, 10],
        True,
    ),
    (
        "فروشگاه اینترنتی صنایع دستی محله",
        "فروش آنلاین محصولات کارآموزان مرکز با همکاری کمیته امداد در تبلیغات.",
        "محمد رحیمی",
        "09131110002",
        5,
        [7, 8, 6, 6],
        True,
    ),
    (
        "کافه کتاب محله جلوان",
        "کافه‌ای برای جوانان محله.",
        "علی نادری",
        "09131110003",
        3,
        [5, 4, 3, 2],
        False,
    ),
]

OPEN_IDEAS = [
    ("تولید زیورآلات میناکاری خانگی", "زنان سرپرست خانوار", "09131110004", 6, [8, 7, 8, 9]),
    ("بسته‌بندی و توزیع محصولات محلی", "رضا موسوی", "09131110005", 4, [6, 7, 7, 5]),
    ("آموزش بازاریابی به کارآفرینان محله", "سمیه جعفری", "09131110006", 2, None),
]


def _scores(call, values):
    return dict(zip(call.criteria.order_by("order"), values, strict=True))


# What the submitters of the closed call consented to show if accepted: the first its idea
# and name, the second its idea only, the third (rejected) its idea, which is never shown.
CLOSED_CONSENTS = [(True, True), (True, False), (True, False)]


def _submit(call, title, summary, name, mobile, jobs, consent=(False, False)):
    return services.idea_submit(
        call=call,
        title=title,
        summary=summary,
        submitter_name=name,
        submitter_mobile=mobile,
        jobs_expected=jobs,
        team_members=name,
        support_needed="تسهیلات خرید مواد اولیه و آموزش کسب‌وکار",
        publish_consent=consent[0],
        publish_name_consent=consent[1],
    )


def _closed_call(context):
    title = "فراخوان جذب ایده‌های کسب‌وکار صنایع دستی ۱۴۰۰"
    if IdeaCall.objects.filter(title=title).exists():
        return IdeaCall.objects.get(title=title)
    users = context["users"]
    staff, manager = users["staff.isfahan"], users["manager.isfahan"]
    reviewer = users["reviewer.isfahan"]
    today = local_today()
    call = services.idea_call_create(
        centre=context["centres"]["isfahan"],
        title=title,
        description="فراخوان جذب ایده در محله حصه، همراه با آموزش برای پاسخ‌دهندگان.",
        opens_on=today,
        closes_on=today,
        criteria=CRITERIA,
        reviewers=[reviewer],
    )
    ideas = []
    for (title_, summary, name, mobile, jobs, scores, accept), consent in zip(
        CLOSED_IDEAS, CLOSED_CONSENTS, strict=True
    ):
        idea = _submit(call, title_, summary, name, mobile, jobs, consent)
        services.idea_advance(idea=idea, user=staff, to_status=Idea.Status.SCREENING)
        services.idea_advance(idea=idea, user=staff, to_status=Idea.Status.UNDER_REVIEW)
        services.idea_review_submit(
            idea=idea, reviewer=reviewer, scores=_scores(call, scores), comment="بررسی شد."
        )
        services.idea_decide(idea=idea, user=manager, accept=accept)
        ideas.append(idea)
    # The call's real window, in the past.
    call.opens_on = jdatetime.date(1400, 11, 1)
    call.closes_on = jdatetime.date(1400, 12, 15)
    call.save(update_fields=["opens_on", "closes_on", "updated_at"])
    services.idea_call_publish_decisions(call=call, user=manager)
    services.idea_follow_up_record(
        idea=ideas[0],
        user=staff,
        follow_up=Idea.FollowUp.INCUBATED,
        mentor="استاد میناکار مرکز",
        progress=60,
        note="در حال آماده‌سازی نخستین سفارش نمایشگاه.",
    )
    services.idea_follow_up_record(
        idea=ideas[1],
        user=staff,
        follow_up=Idea.FollowUp.BUSINESS_OPENED,
        business_opened_on=jdatetime.date(1401, 6, 1),
        note="فروشگاه اینترنتی راه‌اندازی شد.",
    )
    return call


def _open_call(context):
    title = "فراخوان جذب ایده‌های اشتغال محله حصه"
    if IdeaCall.objects.filter(title=title).exists():
        return IdeaCall.objects.get(title=title)
    users = context["users"]
    staff, reviewer = users["staff.isfahan"], users["reviewer.isfahan"]
    today = local_today()
    call = services.idea_call_create(
        centre=context["centres"]["isfahan"],
        title=title,
        description="ایده‌های کسب‌وکار با تولید، توزیع و فروش محصولات محلی.",
        opens_on=today - datetime.timedelta(days=20),
        closes_on=today + datetime.timedelta(days=40),
        criteria=CRITERIA,
        reviewers=[reviewer],
    )
    for title_, name, mobile, jobs, scores in OPEN_IDEAS:
        idea = _submit(call, title_, title_, name, mobile, jobs)
        if scores is None:
            continue
        services.idea_advance(idea=idea, user=staff, to_status=Idea.Status.SCREENING)
        services.idea_advance(idea=idea, user=staff, to_status=Idea.Status.UNDER_REVIEW)
        services.idea_review_submit(idea=idea, reviewer=reviewer, scores=_scores(call, scores))
    return call


def seed(context: dict) -> dict:
    return {"idea_calls": {"closed": _closed_call(context), "open": _open_call(context)}}
