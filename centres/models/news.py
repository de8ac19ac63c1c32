"""News about the centres and readers' comments on it (services in centres/news.py)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from empowerment.kernel.fields import PersianCharField, PersianTextField

from ..scope import ScopedQuerySet
from .geography import Neighbourhood, TimeStamped
from .organisations import Centre

# --- News --------------------------------------------------------------------------------
# Articles the municipality publishes about its centres, and readers' comments on them,
# shown publicly only after staff of the article's centre publish them. Services (publish,
# submit, moderate, cover images) are in `centres/news.py`.


class ArticleQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "centre",
        "city": "centre__city",
        "province": "centre__city__province",
    }

    def published(self):
        """What a reader may see: published, publication time reached, centre active."""

        return self.filter(
            state=Article.State.PUBLISHED,
            published_at__lte=timezone.now(),
            centre__is_active=True,
        )

    def with_comment_counts(self):
        """Annotate comments_total/awaiting/published in the same query (no query per row).

        The total counts what readers sent and staff did not reject: awaiting + published.
        """
        awaiting = Q(comments__state=Comment.State.AWAITING)
        published = Q(comments__state=Comment.State.PUBLISHED)
        return self.annotate(
            comments_total=models.Count("comments", filter=awaiting | published),
            comments_awaiting=models.Count("comments", filter=awaiting),
            comments_published=models.Count("comments", filter=published),
        )


class Article(TimeStamped):
    """A news article about a centre, written by its staff in the admin."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = PersianCharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("address in the site"),
        max_length=200,
        unique=True,
        allow_unicode=True,
        help_text=_("Letters, digits and hyphens; it becomes the article's web address."),
    )
    lead = PersianTextField(
        _("lead"),
        max_length=600,
        validators=[MaxLengthValidator(600)],
        help_text=_("One or two sentences."),
    )
    body = PersianTextField(_("body"))
    cover = models.ImageField(
        _("cover image"),
        upload_to="news/covers/%Y/%m/",
        blank=True,
        help_text=_("JPEG, PNG or WebP, at most 5 MB; it is resized and its metadata removed."),
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="articles", verbose_name=_("centre")
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("neighbourhood"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.DRAFT, editable=False
    )
    published_at = jmodels.jDateTimeField(
        _("publication date"),
        null=True,
        blank=True,
        help_text=_("Jalali, e.g. 1400-10-20 10:00. Empty: the moment it is published."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("author"),
        editable=False,
    )

    objects = models.Manager.from_queryset(ArticleQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("news article")
        verbose_name_plural = _("news articles")
        ordering = ["-published_at", "-created_at"]
        indexes = [models.Index(fields=["state", "published_at"], name="article_state_published")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("article_detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    def clean(self) -> None:
        if self.neighbourhood_id and self.centre_id:
            served = Neighbourhood.objects.filter(
                Q(centres=self.centre_id) | Q(district__centres=self.centre_id),
                pk=self.neighbourhood_id,
            )
            if not served.exists():
                raise ValidationError(
                    {"neighbourhood": _("Choose a neighbourhood that this centre serves.")}
                )


class CommentQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "article__centre",
        "city": "article__centre__city",
        "province": "article__centre__city__province",
    }

    def published(self):
        return self.filter(state=Comment.State.PUBLISHED)


class ModeratedComment(models.Model):
    """What a resident writes on a public page (a news article, a commitment), shown only
    once staff published it. Moderated by `centres.news.comment_moderate`, whatever the
    page."""

    NAME_MAX_LENGTH = 80
    TEXT_MAX_LENGTH = 2000

    class State(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    name = PersianCharField(_("name"), max_length=NAME_MAX_LENGTH)
    text = PersianTextField(
        _("comment"), max_length=TEXT_MAX_LENGTH, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)]
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.AWAITING
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name}: {self.text[:40]}"


class Comment(ModeratedComment):
    """A reader's comment on an article; shown only once staff published it."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="comments", verbose_name=_("article")
    )

    objects = models.Manager.from_queryset(CommentQuerySet)()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["article", "state"], name="comment_article_state")]
