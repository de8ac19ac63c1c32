"""Demo news: the opening of the Isfahan centre (../shared/seeds/000_*.txt), retold.

Published through the news service with a cover drawn here, so no binary is committed.
Idempotent: the article is found by its slug the second time. No comments: the source page
shows 0 total, 0 awaiting review, 0 published.
"""

import io

import jdatetime
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from . import news
from .models import Article

OPENING_SLUG = "افتتاح-مرکز-توانمندسازی-و-اشتغال-مناطق-۱۰-و-۱۴-اصفهان"

OPENING_TITLE = "مرکز توانمندسازی و اشتغال مناطق ۱۰ و ۱۴ اصفهان گشایش یافت"
OPENING_LEAD = (
    "شهرداری اصفهان برای محله‌های کم‌برخوردار مناطق ۱۰ و ۱۴ مرکز توانمندسازی و اشتغال "
    "گشود و همزمان قرارگاه جهادی شهید حاج قاسم سلیمانی محله حصه و جلوان رسماً آغاز به کار کرد."
)
OPENING_BODY = """\
در آیین گشایش این مرکز، رئیس کمیسیون آب و مناطق کم‌برخوردار شورای اسلامی شهر اصفهان گفت \
که هدف شورا «اشتغال درون‌زا» است: محصولاتی که در همین محله ساخته شوند، با نام «حصه» به \
یک نشان تجاری بدل شوند و بازار خود را پیدا کنند. به گفته او پیگیری می‌شود که غرفه‌ای دائمی \
برای توانمندسازی مناطق کم‌برخوردار در نمایشگاه بین‌المللی اصفهان برپا شود و کمیته امداد نیز \
آمادگی خود را برای همکاری و معرفی دستاوردهای محله در فضای مجازی اعلام کرده است.

مدیر منطقه ۱۴ یادآور شد که این منطقه بیشترین سهم جوانان و کمترین سهم سالمندان بالای ۶۵ سال \
را در شهر دارد و برنامه‌ریزی اشتغال باید همه حلقه‌ها را دربر بگیرد: تولید، توزیع، فروش، \
خرید و مصرف.

فرمانده قرارگاه جهادی محله حصه توضیح داد که این قرارگاه نخست با نام «شورای اندیشه‌ورز محله» \
شکل گرفت، مشکلات محله را فهرست کرد و پیگیری می‌کند؛ شهرداران مناطق نیز وعده داده‌اند که \
آسفالت و پیاده‌روسازی بسیاری از معابر تا آغاز سال ۱۴۰۱ انجام شود.

دبیر مرکز گفت که برای شناسایی فرصت‌های شغلی بیش از ۲۴۰ ساعت جلسه با مردم محله برگزار شده، \
فراخوان جذب ایده در منطقه منتشر شده و به پاسخ‌دهندگان آموزش داده شده است. اکنون بیش از ۸۰ نفر \
در این مرکز میناکاری می‌آموزند و آموزش کسب‌وکار هم می‌بینند تا خود کارفرما شوند؛ هدف آن است \
که حصه به قطب صنایع دستی اصفهان تبدیل شود. او از مدیریت شهری خواست در معرفی، تأمین، توزیع \
و فروش محصولات مرکز یاری کند.
"""


def _cover() -> SimpleUploadedFile:
    """A banner in the portal's colours: a green field, a band and three enamel-blue discs."""
    image = Image.new("RGB", (1600, 900), (11, 110, 79))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 620, 1600, 900), fill=(8, 84, 61))
    for i, colour in enumerate([(28, 100, 170), (240, 200, 80), (200, 60, 60)]):
        x = 400 + i * 400
        draw.ellipse((x - 140, 210, x + 140, 490), fill=colour, outline=(255, 255, 255), width=12)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("opening.png", out.getvalue(), content_type="image/png")


def seed(context: dict) -> dict:
    article = Article.objects.filter(slug=OPENING_SLUG).first()
    if article is None:
        centre = context["centres"]["isfahan"]
        opening = centre.opening_date or jdatetime.date(1400, 10, 20)
        published_at = timezone.make_aware(
            jdatetime.datetime(opening.year, opening.month, opening.day, 10, 0).togregorian()
        )
        article = news.article_create(
            title=OPENING_TITLE,
            slug=OPENING_SLUG,
            lead=OPENING_LEAD,
            body=OPENING_BODY,
            centre=centre,
            neighbourhood=context["neighbourhoods"]["hesseh"],
            author=context["users"]["manager.isfahan"],
            cover=_cover(),
            published_at=published_at,
            publish=True,
        )
    return {"articles": {"opening": article}}
