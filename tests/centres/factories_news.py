"""Factories for news articles and comments."""

import datetime

import factory
from django.utils import timezone

from centres.models import Article, Comment
from tests.centres.factories import CentreFactory


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article (dated an hour ago); pass state=Article.State.DRAFT for a draft."""

    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"خبر شماره {n}")
    slug = factory.Sequence(lambda n: f"khabar-{n}")
    lead = "خلاصه خبر"
    body = "متن خبر"
    centre = factory.SubFactory(CentreFactory)
    state = Article.State.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    name = "خواننده"
    text = "دیدگاه آزمایشی"
    ip_address = "10.0.0.1"
