"""News about the centres: publishing articles, readers' comments and their moderation.

Every write on articles and comments that is more than a save goes through here: the admin
actions, the public comment form and the demo seed all call these functions. Reads for the
public pages are here too (`article_list_public`, `article_get_public`), each one query
with the comment counts annotated.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from empowerment.kernel import ratelimit

from .models import Article, Centre, Comment, ModeratedComment, Neighbourhood

# --- Cover images ------------------------------------------------------------------------

COVER_MAX_BYTES = 5 * 1024 * 1024
# A small file can claim huge dimensions and take gigabytes once decoded (a decompression
# bomb); refuse anything above this before decoding a single pixel.
COVER_MAX_PIXELS = 40_000_000
COVER_MAX_WIDTH = 1600
COVER_ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
COVER_JPEG_QUALITY = 85
COVER_INVALID_MESSAGE = gettext_lazy("The file is not a JPEG, PNG or WebP image.")


def cover_image_prepare(upload) -> ContentFile:
    """Check an uploaded image by its content and return it resized and re-encoded as JPEG.

    The type is decided by Pillow reading the bytes, never by the file name or the
    browser's content type. Re-encoding drops every metadata block (EXIF with GPS
    positions, comments) and any payload appended to the file. Raises ValidationError
    with a Persian message when the upload is refused.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > COVER_MAX_BYTES:
        raise ValidationError(
            _("The image is larger than %(limit)s MB.") % {"limit": COVER_MAX_BYTES // 2**20},
            code="image_too_large",
        )
    upload.seek(0)
    data = upload.read(COVER_MAX_BYTES + 1)
    if len(data) > COVER_MAX_BYTES:
        raise ValidationError(
            _("The image is larger than %(limit)s MB.") % {"limit": COVER_MAX_BYTES // 2**20},
            code="image_too_large",
        )
    not_an_image = ValidationError(COVER_INVALID_MESSAGE, code="image_invalid")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in COVER_ALLOWED_FORMATS:
                raise not_an_image
            width, height = probe.size
            if width * height > COVER_MAX_PIXELS:
                raise ValidationError(
                    _("The image has too many pixels (at most %(limit)s million).")
                    % {"limit": COVER_MAX_PIXELS // 1_000_000},
                    code="image_too_many_pixels",
                )
            probe.verify()
        # verify() leaves the image unusable: decode it again from the start.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                background = Image.new("RGB", image.size, "white")
                background.paste(image, mask=image.getchannel("A"))
                image = background
            elif image.mode != "RGB":
                image = image.convert("RGB")
            if image.width > COVER_MAX_WIDTH:
                height = round(image.height * COVER_MAX_WIDTH / image.width)
                image = image.resize((COVER_MAX_WIDTH, max(height, 1)), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=COVER_JPEG_QUALITY, optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    # A random name: the original may carry personal details or awkward characters.
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


# --- Articles ----------------------------------------------------------------------------


def article_slug_for(title: str, *, exclude_pk: int | None = None) -> str:
    """A unique Unicode slug from the title: «افتتاح مرکز» -> «افتتاح-مرکز», then -2, -3…"""
    base = slugify(title, allow_unicode=True)[:180] or "article"
    slug, n = base, 1
    taken = Article.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def article_create(
    *,
    title: str,
    lead: str,
    body: str,
    centre: Centre,
    author=None,
    neighbourhood: Neighbourhood | None = None,
    cover=None,
    slug: str = "",
    published_at=None,
    publish: bool = False,
) -> Article:
    """Write a draft article (and publish it when `publish`); `cover` is an uploaded file."""
    article = Article(
        title=title,
        lead=lead,
        body=body,
        centre=centre,
        neighbourhood=neighbourhood,
        author=author,
        published_at=published_at,
        slug=slug or article_slug_for(title),
    )
    if cover is not None:
        article.cover = cover_image_prepare(cover)
    article.full_clean()
    article.save()
    if publish:
        article_publish(article=article)
    return article


@transaction.atomic
def article_publish(*, article: Article, published_at=None) -> Article:
    """Make an article public. Its publication date stays if set, else becomes now.

    Idempotent: publishing a published article changes nothing.
    """
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.is_published and published_at is None:
        return article
    article.state = Article.State.PUBLISHED
    if published_at is not None:
        article.published_at = published_at
    elif article.published_at is None:
        article.published_at = timezone.now()
    article.save(update_fields=["state", "published_at", "updated_at"])
    return article


@transaction.atomic
def article_unpublish(*, article: Article) -> Article:
    """Take an article off the public pages (its comments stay, unseen)."""
    Article.objects.filter(pk=article.pk).update(
        state=Article.State.DRAFT, updated_at=timezone.now()
    )
    article.refresh_from_db()
    return article


def article_list_public(*, centre: Centre | None = None):
    """Published articles, newest first, with the comment counts annotated."""
    articles = Article.objects.published().select_related("centre", "neighbourhood")
    if centre is not None:
        articles = articles.filter(centre=centre)
    return articles.with_comment_counts().order_by("-published_at", "-pk")


def article_get_public(*, slug: str) -> Article | None:
    return article_list_public().filter(slug=slug).first()


# --- Comments ----------------------------------------------------------------------------

COMMENT_RATE_LIMIT = 5
COMMENT_RATE_WINDOW = 10 * 60  # seconds


class CommentRateLimited(Exception):
    """Too many comments from one address within the window."""


def comment_rate_take(*, ip_address: str | None) -> bool:
    """Count one comment from the address; False once the address used up its window."""
    return ratelimit.take(
        f"news:comment:{ip_address or 'unknown'}",
        limit=COMMENT_RATE_LIMIT,
        window=COMMENT_RATE_WINDOW,
    )


def comment_submit(*, article: Article, name: str, text: str, ip_address: str | None) -> Comment:
    """A reader's comment, stored awaiting moderation. Raises CommentRateLimited or
    ValidationError (Persian messages); nothing is stored then.
    """
    if not article.is_published:
        raise ValidationError(_("Comments are accepted only on published articles."))
    comment = Comment(article=article, name=name, text=text, ip_address=ip_address)
    comment.full_clean()
    if not comment_rate_take(ip_address=ip_address):
        raise CommentRateLimited
    comment.save()
    return comment


@transaction.atomic
def comment_moderate(
    *, comments: Iterable[ModeratedComment] | object, state: str, by, model=None
) -> int:
    """Publish or reject comments in bulk; returns how many changed state. The same for
    every kind of comment (news, commitments): `model` is read from the queryset, or given
    with a list.

    `comments` is a queryset or list (the admin passes its scoped selection, so a forged id
    outside the moderator's scope is not in it). One UPDATE, whatever the number.
    """
    if state not in (ModeratedComment.State.PUBLISHED, ModeratedComment.State.REJECTED):
        raise ValueError(f"Comments are moderated to published or rejected, not {state!r}")
    if hasattr(comments, "values"):
        model, ids = model or comments.model, comments.values("pk")
    else:
        comments = list(comments)
        if not comments:
            return 0
        model, ids = model or type(comments[0]), [comment.pk for comment in comments]
    return (
        model.objects.filter(pk__in=ids)
        .exclude(state=state)
        .update(state=state, moderated_by=by, moderated_at=timezone.now())
    )
