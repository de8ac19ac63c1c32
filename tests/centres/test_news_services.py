"""Rules of the news services: publishing, submitting and moderating comments."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from centres import news
from centres.models import Article, Comment
from tests.centres.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_publish_sets_the_date_once_and_is_idempotent():
    draft = ArticleFactory(state=Article.State.DRAFT, published_at=None)
    published = news.article_publish(article=draft)
    assert published.state == Article.State.PUBLISHED
    first_date = published.published_at
    assert first_date is not None
    again = news.article_publish(article=published)
    assert again.published_at == first_date
    assert Article.objects.published().filter(pk=draft.pk).exists()


def test_publish_keeps_a_chosen_date_and_a_future_one_waits():
    future = timezone.now() + datetime.timedelta(days=2)
    draft = ArticleFactory(state=Article.State.DRAFT, published_at=future)
    news.article_publish(article=draft)
    assert not Article.objects.published().filter(pk=draft.pk).exists()
    news.article_unpublish(article=draft)
    assert Article.objects.get(pk=draft.pk).state == Article.State.DRAFT


def test_article_create_makes_a_unique_unicode_slug():
    centre = ArticleFactory().centre
    one = news.article_create(title="گشایش مرکز", lead="لید", body="متن", centre=centre)
    two = news.article_create(title="گشایش مرکز", lead="لید", body="متن", centre=centre)
    assert one.slug == "گشایش-مرکز" and two.slug == "گشایش-مرکز-2"
    assert one.state == Article.State.DRAFT


def test_comment_submit_stores_awaiting_and_normalises():
    article = ArticleFactory()
    comment = news.comment_submit(
        article=article, name="  علي  ", text="متن 12", ip_address="10.0.0.9"
    )
    assert comment.state == Comment.State.AWAITING
    assert comment.name == "علی" and comment.text == "متن ۱۲"


def test_comment_submit_refuses_too_long_text_and_saves_nothing():
    article = ArticleFactory()
    with pytest.raises(ValidationError) as error:
        news.comment_submit(article=article, name="الف", text="ب" * 2001, ip_address=None)
    assert "text" in error.value.message_dict
    assert not Comment.objects.exists()


def test_comment_submit_refuses_a_draft_article():
    draft = ArticleFactory(state=Article.State.DRAFT)
    with pytest.raises(ValidationError):
        news.comment_submit(article=draft, name="الف", text="متن", ip_address=None)
    assert not Comment.objects.exists()


def test_rate_limit_is_per_address_and_counts_only_accepted_comments():
    article = ArticleFactory()
    with pytest.raises(ValidationError):  # an invalid attempt does not use the allowance
        news.comment_submit(article=article, name="", text="متن", ip_address="1.2.3.4")
    for n in range(news.COMMENT_RATE_LIMIT):
        news.comment_submit(article=article, name="الف", text=f"متن {n}", ip_address="1.2.3.4")
    with pytest.raises(news.CommentRateLimited):
        news.comment_submit(article=article, name="الف", text="دوباره", ip_address="1.2.3.4")
    news.comment_submit(article=article, name="ب", text="متن", ip_address="4.3.2.1")
    assert Comment.objects.count() == news.COMMENT_RATE_LIMIT + 1


def test_moderate_changes_only_comments_in_another_state():
    moderator = UserFactory()
    article = ArticleFactory()
    awaiting = CommentFactory.create_batch(2, article=article)
    already = CommentFactory(article=article, state=Comment.State.PUBLISHED)
    changed = news.comment_moderate(
        comments=Comment.objects.all(), state=Comment.State.PUBLISHED, by=moderator
    )
    assert changed == 2
    already.refresh_from_db()
    assert already.moderated_by is None
    assert {c.moderated_by for c in Comment.objects.filter(pk__in=[a.pk for a in awaiting])} == {
        moderator
    }
    assert news.comment_moderate(comments=[already], state="rejected", by=moderator) == 1
    with pytest.raises(ValueError):
        news.comment_moderate(comments=[already], state="awaiting", by=moderator)
