"""The public pages render for anonymous readers, right to left, with the real rows only."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from centres.models import Article
from tests.centres.factories import (
    ArticleFactory,
    CentreFactory,
    CommentFactory,
    DistrictFactory,
    NeighbourhoodFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def isfahan():
    centre = CentreFactory(
        name="مرکز توانمندسازی حصه",
        city__name="اصفهان",
        city__province__name="اصفهان",
        neighbourhoods=[],
        address="اصفهان، محله حصه",
        phone="03133000000",
    )
    d14 = DistrictFactory(city=centre.city, number=14, name="منطقه ۱۴")
    centre.districts.add(d14)
    centre.neighbourhoods.add(NeighbourhoodFactory(district=d14, name="حصه"))
    return centre


def test_home_lists_centres_by_city_with_neighbourhoods_and_news(client, isfahan):
    CentreFactory(name="مرکز کرج", city__name="کرج", city__province__name="البرز")
    CentreFactory(name="مرکز بسته", city=isfahan.city, is_active=False, neighbourhoods=[])
    article = ArticleFactory(centre=isfahan, title="گشایش مرکز")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'dir="rtl"' in body and 'lang="fa"' in body
    assert "اصفهان · اصفهان" in body and "البرز · کرج" in body
    assert "مرکز توانمندسازی حصه" in body and "حصه" in body
    assert "مرکز بسته" not in body
    assert reverse("centre_detail", args=[isfahan.pk]) in body
    assert article.get_absolute_url() in body
    # The figures count what exists: two active centres.
    assert response.context["figures"]["centres"] == 2
    assert response.context["figures"]["articles"] == 1


def test_home_search_finds_a_neighbourhood_typed_on_an_arabic_keyboard(client, isfahan):
    CentreFactory(name="مرکز کرج", city__name="کرج", city__province__name="البرز")
    isfahan.neighbourhoods.add(NeighbourhoodFactory(name="کوی ملک"))
    response = client.get(reverse("home"), {"q": "كوي ملك"})  # Arabic ي and ك
    assert [c.pk for c in response.context["centres"]] == [isfahan.pk]
    assert "مرکز کرج" not in response.content.decode()


def test_home_query_count_does_not_grow_with_centres(client, isfahan, django_assert_num_queries):
    for n in range(3):
        ArticleFactory(centre=CentreFactory(name=f"مرکز {n}"))
    # 1 centres with news counts, 2 neighbourhoods (prefetch), 3 districts (prefetch),
    # 4 centre count, 5 neighbourhood figures, 6 article count, 7 people trained,
    # 8 products sold, 9 open calls, 10 latest news.
    with django_assert_num_queries(10):
        assert client.get(reverse("home")).status_code == 200


def test_centre_page_shows_neighbourhoods_address_and_its_news_only(client, isfahan):
    own = ArticleFactory(centre=isfahan, title="خبر حصه")
    other = ArticleFactory(title="خبر مرکز دیگر")
    draft = ArticleFactory(centre=isfahan, title="پیش‌نویس", state=Article.State.DRAFT)
    response = client.get(reverse("centre_detail", args=[isfahan.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "منطقه ۱۴" in body and "حصه" in body and "اصفهان، محله حصه" in body
    assert "۰۳۱۳۳۰۰۰۰۰۰" in body
    assert own.title in body
    assert other.title not in body and draft.title not in body


def test_inactive_or_unknown_centre_is_404(client):
    closed = CentreFactory(is_active=False)
    assert client.get(reverse("centre_detail", args=[closed.pk])).status_code == 404
    assert client.get(reverse("centre_detail", args=[999999])).status_code == 404


def test_news_list_is_paginated_newest_first_and_filters_by_centre(client, isfahan):
    now = timezone.now()
    for n in range(12):
        ArticleFactory(
            centre=isfahan, title=f"خبر {n}", published_at=now - datetime.timedelta(days=n + 1)
        )
    ArticleFactory(title="خبر کرج")
    first = client.get(reverse("news_list"))
    titles = [a.title for a in first.context["page"].object_list]
    assert len(titles) == 10 and titles[0] == "خبر کرج"
    second = client.get(reverse("news_list"), {"page": 2})
    assert len(second.context["page"].object_list) == 3
    only_isfahan = client.get(reverse("news_list"), {"centre": isfahan.pk, "page": 2})
    assert [a.title for a in only_isfahan.context["page"].object_list] == ["خبر ۱۰", "خبر ۱۱"]
    assert client.get(reverse("news_list"), {"centre": "x"}).status_code == 404


def test_article_page_shows_published_comments_and_the_counts(client):
    article = ArticleFactory(title="گشایش مرکز", body="بیش از ۸۰ نفر میناکاری می‌آموزند")
    CommentFactory(article=article, text="دیدگاه الف", state="published")
    CommentFactory(article=article, text="دیدگاه ب", state="awaiting")
    CommentFactory(article=article, text="دیدگاه پ", state="rejected")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "بیش از ۸۰ نفر میناکاری" in body
    assert "دیدگاه الف" in body
    assert "دیدگاه ب" not in body and "دیدگاه پ" not in body
    assert 'data-count="total">۲<' in body
    assert 'data-count="awaiting">۱<' in body
    assert 'data-count="published">۱<' in body


@pytest.mark.parametrize(
    "kwargs",
    [
        {"state": Article.State.DRAFT},
        {"published_at": timezone.now() + datetime.timedelta(days=1)},
        {"centre__is_active": False},
    ],
    ids=["draft", "scheduled", "centre-closed"],
)
def test_unpublished_article_is_404_and_not_listed(client, kwargs):
    article = ArticleFactory(title="خبر پنهان", **kwargs)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "خبر پنهان" not in client.get(reverse("news_list")).content.decode()
    assert "خبر پنهان" not in client.get(reverse("home")).content.decode()


def test_centre_page_query_count(client, isfahan, django_assert_num_queries):
    ArticleFactory(centre=isfahan)
    for number in (20, 21):
        district = DistrictFactory(city=isfahan.city, number=number)
        isfahan.districts.add(district)
        isfahan.neighbourhoods.add(NeighbourhoodFactory(district=district))
    # 1 centre with city and province, 2 its districts (prefetch), 3 neighbourhoods served,
    # 4 headquarters, 5 latest news with counts, 6 cohorts open for registration with their
    # seats, 7 open calls, 8 calls whose decisions are published, 9 products with units sold,
    # 10 whether it offers counselling.
    with django_assert_num_queries(10):
        assert client.get(reverse("centre_detail", args=[isfahan.pk])).status_code == 200
