"""Staff moderate the comments of their centre's articles from the admin, in bulk."""

import pytest
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.urls import reverse

from centres.models import Article, Comment
from tests.centres.factories import ArticleFactory, CommentFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def news(two_centres):
    article = ArticleFactory(centre=two_centres["isfahan"], title="گشایش مرکز اصفهان")
    foreign = ArticleFactory(centre=two_centres["karaj"], title="خبر کرج")
    comments = CommentFactory.create_batch(3, article=article)
    foreign_comment = CommentFactory(article=foreign, text="دیدگاه کرج")
    return {
        **two_centres,
        "article": article,
        "foreign": foreign,
        "comments": comments,
        "foreign_comment": foreign_comment,
    }


def counts(article):
    a = Article.objects.with_comment_counts().get(pk=article.pk)
    return a.comments_total, a.comments_awaiting, a.comments_published


def test_staff_publishes_comments_in_bulk_and_the_counts_change(client, news):
    staff = news["staff_isfahan"]
    client.force_login(staff)
    first, second, third = news["comments"]
    assert counts(news["article"]) == (3, 3, 0)
    response = client.post(
        reverse("admin:centres_comment_changelist"),
        {"action": "publish_selected", helpers.ACTION_CHECKBOX_NAME: [first.pk, second.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.SUCCESS]
    assert counts(news["article"]) == (3, 1, 2)
    first.refresh_from_db()
    assert first.moderated_by == staff and first.moderated_at is not None
    client.post(
        reverse("admin:centres_comment_changelist"),
        {"action": "reject_selected", helpers.ACTION_CHECKBOX_NAME: [third.pk]},
    )
    assert counts(news["article"]) == (2, 0, 2)
    # The public page shows the published ones and the new counts.
    body = client.get(news["article"].get_absolute_url()).content.decode()
    assert 'data-count="total">۲<' in body and 'data-count="published">۲<' in body


def test_article_list_shows_counts_without_a_query_per_row(client, news, django_assert_num_queries):
    for _n in range(4):
        CommentFactory.create_batch(2, article=ArticleFactory(centre=news["isfahan"]))
    Comment.objects.filter(pk=news["comments"][0].pk).update(state=Comment.State.PUBLISHED)
    client.force_login(news["staff_isfahan"])
    url = reverse("admin:centres_article_changelist")
    # 1 session, 2 user, 3-4 user and group permissions, 5 staff roles (scope),
    # 6 centres for the filter (related only), 7 row count for the paginator,
    # 8 articles with their three comment counts: none per row.
    with django_assert_num_queries(8):
        response = client.get(url)
    body = response.content.decode()
    assert "گشایش مرکز اصفهان" in body and "خبر کرج" not in body
    row = next(r for r in response.context["cl"].result_list if r.pk == news["article"].pk)
    assert (row.comments_total, row.comments_awaiting, row.comments_published) == (3, 2, 1)


def test_staff_of_another_centre_can_neither_see_nor_moderate(client, news):
    client.force_login(news["staff_karaj"])
    own_comment = news["comments"][0]
    listing = client.get(reverse("admin:centres_comment_changelist")).content.decode()
    assert "دیدگاه کرج" in listing and own_comment.text not in listing
    change = client.get(reverse("admin:centres_comment_change", args=[own_comment.pk]))
    assert change.status_code == 302 and change.url == reverse("admin:index")
    article = client.get(reverse("admin:centres_article_change", args=[news["article"].pk]))
    assert article.status_code == 302
    # A forged bulk action with the other centre's ids changes nothing.
    client.post(
        reverse("admin:centres_comment_changelist"),
        {
            "action": "publish_selected",
            helpers.ACTION_CHECKBOX_NAME: [c.pk for c in news["comments"]],
        },
    )
    assert counts(news["article"]) == (3, 3, 0)


def test_comments_cannot_be_added_or_rewritten_by_staff(client, news):
    client.force_login(news["staff_isfahan"])
    assert client.get(reverse("admin:centres_comment_add")).status_code == 403
    comment = news["comments"][0]
    client.post(
        reverse("admin:centres_comment_change", args=[comment.pk]),
        {"name": "دیگر", "text": "بازنویسی", "state": "published"},
    )
    comment.refresh_from_db()
    assert comment.text == "دیدگاه آزمایشی" and comment.state == Comment.State.AWAITING


def test_staff_writes_an_article_that_stays_draft_until_published(client, two_centres):
    staff = two_centres["staff_isfahan"]
    client.force_login(staff)
    centre = two_centres["isfahan"]
    response = client.post(
        reverse("admin:centres_article_add"),
        {
            "title": "کارگاه میناکاري",
            "slug": "کارگاه-میناکاری",
            "lead": "آغاز دوره تازه",
            "body": "بیش از 80 نفر",
            "centre": centre.pk,
            "published_at": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get()
    assert article.author == staff and article.state == Article.State.DRAFT
    assert article.title == "کارگاه میناکاری" and article.body == "بیش از ۸۰ نفر"
    assert client.get(article.get_absolute_url()).status_code == 404
    client.post(
        reverse("admin:centres_article_changelist"),
        {"action": "publish_selected", helpers.ACTION_CHECKBOX_NAME: [article.pk]},
    )
    article.refresh_from_db()
    assert article.state == Article.State.PUBLISHED and article.published_at is not None
    assert client.get(article.get_absolute_url()).status_code == 200


def test_staff_cannot_write_for_another_centre(client, two_centres):
    client.force_login(two_centres["staff_isfahan"])
    response = client.post(
        reverse("admin:centres_article_add"),
        {
            "title": "خبر",
            "slug": "khabar",
            "lead": "لید",
            "body": "متن",
            "centre": two_centres["karaj"].pk,
        },
    )
    assert response.status_code == 200
    assert "centre" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


def test_neighbourhood_must_be_served_by_the_centre(client, two_centres):
    manager = staff_user("manager.a", "centre_manager", two_centres["isfahan"])
    client.force_login(manager)
    karaj_neighbourhood = two_centres["karaj"].neighbourhoods.get()
    own_neighbourhood = two_centres["isfahan"].neighbourhoods.get()
    data = {
        "title": "خبر",
        "slug": "khabar",
        "lead": "لید",
        "body": "متن",
        "centre": two_centres["isfahan"].pk,
        "neighbourhood": karaj_neighbourhood.pk,
    }
    response = client.post(reverse("admin:centres_article_add"), data)
    assert response.status_code == 200 and not Article.objects.exists()
    data["neighbourhood"] = own_neighbourhood.pk
    assert client.post(reverse("admin:centres_article_add"), data).status_code == 302
