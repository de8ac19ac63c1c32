"""Cover images: checked by content and size, resized, re-encoded, stored under MEDIA_ROOT."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from centres import news
from centres.models import Article
from tests.codes import form_codes

pytestmark = pytest.mark.django_db


def image_bytes(size=(2400, 1200), fmt="PNG", mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "teal").save(out, format=fmt, **save)
    return out.getvalue()


def upload(data: bytes, name="cover.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_article(client, centre, cover):
    return client.post(
        reverse("admin:centres_article_add"),
        {
            "title": "خبر با تصویر",
            "slug": "khabar-ba-tasvir",
            "lead": "لید",
            "body": "متن",
            "centre": centre.pk,
            "cover": cover,
        },
    )


def test_a_real_image_is_resized_reencoded_and_stored_under_media_root(
    client, two_centres, settings
):
    client.force_login(two_centres["staff_isfahan"])
    exif = Image.Exif()
    exif[0x010E] = "GPS and camera secrets"  # ImageDescription
    data = image_bytes((2400, 1200), fmt="JPEG", exif=exif.tobytes())
    response = post_article(client, two_centres["isfahan"], upload(data, name="عکس من.jpg"))
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    path = Path(article.cover.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert path.suffix == ".jpg" and "عکس" not in path.name
    with Image.open(path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (1600, 800)
        assert not stored.getexif()


def test_png_with_transparency_is_accepted_and_flattened():
    prepared = news.cover_image_prepare(upload(image_bytes((800, 600), mode="RGBA"), "a.png"))
    with Image.open(prepared) as image:
        assert image.format == "JPEG" and image.size == (800, 600) and image.mode == "RGB"


def test_a_non_image_renamed_jpg_is_refused(client, two_centres):
    client.force_login(two_centres["staff_isfahan"])
    fake = upload(b"%PDF-1.4 not an image at all" * 100, name="cover.jpg")
    response = post_article(client, two_centres["isfahan"], fake)
    assert response.status_code == 200
    assert form_codes(response.context["adminform"].form) == {
        "cover": ["invalid_image"]
    }  # Django's own check
    assert not Article.objects.exists()


def test_an_image_of_another_type_is_refused_by_the_service():
    gif = upload(image_bytes((100, 100), fmt="GIF"), name="cover.jpg")
    with pytest.raises(ValidationError) as error:
        news.cover_image_prepare(gif)
    assert error.value.code == "image_invalid"


def test_an_oversized_file_is_refused(client, two_centres, monkeypatch):
    client.force_login(two_centres["staff_isfahan"])
    monkeypatch.setattr(news, "COVER_MAX_BYTES", 50_000)
    big = image_bytes((2000, 2000), fmt="PNG", compress_level=0)
    assert len(big) > 50_000
    response = post_article(client, two_centres["isfahan"], upload(big, name="big.png"))
    assert response.status_code == 200
    assert form_codes(response.context["adminform"].form) == {"cover": ["image_too_large"]}
    assert not Article.objects.exists()


def test_a_decompression_bomb_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(news, "COVER_MAX_PIXELS", 1_000_000)
    bomb = upload(image_bytes((2000, 1000), fmt="PNG"), name="bomb.png")
    with pytest.raises(ValidationError) as error:
        news.cover_image_prepare(bomb)
    assert error.value.code == "image_too_many_pixels"


def test_a_truncated_image_is_refused():
    data = image_bytes((400, 300), fmt="PNG")
    with pytest.raises(ValidationError):
        news.cover_image_prepare(upload(data[: len(data) // 2], name="half.png"))
