"""A reader comments on an article: stored awaiting review, never shown before that;
spam held off by a honeypot, a rate limit per address and length limits."""

import pytest
from django.test import Client

from centres.models import Comment
from tests.centres.factories import ArticleFactory
from tests.codes import form_codes, page_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="گشایش مرکز")


def post(client, article, headers=None, **data):
    return client.post(
        article.get_absolute_url(),
        {"name": "", "text": "", **data},
        follow=True,
        headers=headers or {},
    )


def test_comment_is_stored_awaiting_and_not_shown(client, article):
    response = post(client, article, name="مريم", text="آفرين بر مرکز ۱۰")  # Arabic ي
    assert response.status_code == 200
    body = response.content.decode()
    assert page_codes(response) == ["comment_received"]
    comment = Comment.objects.get()
    assert comment.state == Comment.State.AWAITING
    assert comment.article == article
    assert comment.name == "مریم"  # normalised on save
    assert comment.ip_address == "127.0.0.1"
    assert "آفرین بر مرکز" not in body
    assert 'data-count="total">۱<' in body
    assert 'data-count="awaiting">۱<' in body
    assert 'data-count="published">۰<' in body


def test_filled_honeypot_is_answered_as_accepted_and_discarded(client, article):
    response = post(client, article, name="ربات", text="تبلیغ", website="http://spam.example")
    assert response.status_code == 200
    assert page_codes(response) == ["comment_received"]  # the same answer as to a person
    assert not Comment.objects.exists()


def test_sixth_comment_from_one_address_within_ten_minutes_is_429(client, article):
    for n in range(5):
        assert post(client, article, name="خواننده", text=f"دیدگاه {n}").status_code == 200
    response = post(client, article, name="خواننده", text="دیدگاه ششم")
    assert response.status_code == 429
    assert form_codes(response.context["form"]) == {"__all__": ["rate_limited"]}
    assert Comment.objects.count() == 5
    # Another address is not held back.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert post(other, article, name="همسایه", text="دیدگاه دیگر").status_code == 200
    assert Comment.objects.count() == 6


def test_rate_limit_reads_the_address_through_a_trusted_proxy(client, article, settings):
    settings.NUM_PROXIES = 1
    for n in range(5):
        post(client, article, {"X-Forwarded-For": "5.5.5.5"}, name="الف", text=f"متن {n}")
    # The same reader behind the proxy is limited; the forged left part changes nothing.
    limited = client.post(
        article.get_absolute_url(),
        {"name": "الف", "text": "باز"},
        HTTP_X_FORWARDED_FOR="1.1.1.1, 5.5.5.5",
    )
    assert limited.status_code == 429
    other = post(client, article, {"X-Forwarded-For": "6.6.6.6"}, name="ب", text="متن")
    assert other.status_code == 200
    assert set(Comment.objects.values_list("ip_address", flat=True)) == {"5.5.5.5", "6.6.6.6"}


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"name": "", "text": "متن"}, "name", "required"),
        ({"name": "الف" * 41, "text": "متن"}, "name", "max_length"),
        ({"name": "الف", "text": "ب" * 2001}, "text", "max_length"),
        ({"name": "الف", "text": "ب"}, "text", "min_length"),
    ],
    ids=["name-missing", "name-too-long", "text-too-long", "text-too-short"],
)
def test_length_limits_give_errors_and_save_nothing(client, article, data, field, code):
    response = client.post(article.get_absolute_url(), data)
    assert response.status_code == 200
    assert response.context["form"].has_error(field, code), response.context["form"].errors
    assert not Comment.objects.exists()


def test_html_is_escaped_in_published_comments(client, article):
    Comment.objects.create(
        article=article,
        name="<b>نام</b>",
        text='<script>alert("x")</script>',
        state=Comment.State.PUBLISHED,
    )
    body = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert "&lt;b&gt;نام&lt;/b&gt;" in body


def test_comment_form_is_csrf_protected(article):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(article.get_absolute_url(), {"name": "الف", "text": "متن"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_no_comment_on_an_unpublished_article(client):
    draft = ArticleFactory(state="draft")
    response = client.post(draft.get_absolute_url(), {"name": "الف", "text": "متن"})
    assert response.status_code == 404
    assert not Comment.objects.exists()
