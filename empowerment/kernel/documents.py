"""Printable documents: HTML rendered to PDF by WeasyPrint (Pango and HarfBuzz shape the
Persian text: joined letters, right to left), with the Vazirmatn font the portal serves.

The one renderer of the portal's documents (a trainee's certificate, a meeting's minutes):
an app builds its context and template, `render_pdf` does the rest, with the same fonts,
the same Persian and the same refusal to load anything else.
"""

from io import BytesIO
from pathlib import Path

import jdatetime
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from .jalali import to_jalali
from .persian import to_persian_digits

FONT_DIR = "vendor/vazirmatn/fonts/ttf"


def font_url(weight: str) -> str:
    # Development finds the font in node_modules; a built image in the collected files.
    name = f"{FONT_DIR}/Vazirmatn-{weight}.ttf"
    found = finders.find(name) or staticfiles_storage.path(name)
    return Path(found).as_uri()


def persian_date(value) -> str:
    """۳۰ دی ۱۴۰۲: the day, the month's Persian name and the year, in Persian digits."""
    value = to_jalali(value)
    month = jdatetime.date.j_months_fa[value.month - 1]
    return to_persian_digits(f"{value.day} {month} {value.year}")


class FontsOnly(URLFetcher):
    """A document loads its two fonts and inline data (a QR code), nothing else: no text a
    person typed can make the renderer read a file or reach the network."""

    def fetch(self, url, headers=None):
        allowed = {font_url("Regular"), font_url("Bold")}
        if url in allowed or url.startswith("data:"):
            return super().fetch(url, headers)
        raise ValueError(f"documents load no {url[:40]!r}")


def render_html(template: str, context: dict) -> str:
    """The document's HTML, in Persian whatever language the person's browser asked for,
    with the fonts' addresses (`font_regular`, `font_bold`) for its @font-face rules."""
    with translation.override("fa"):
        return render_to_string(
            template,
            {**context, "font_regular": font_url("Regular"), "font_bold": font_url("Bold")},
        )


def html_to_pdf(html: str) -> bytes:
    out = BytesIO()
    HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=FontsOnly()).write_pdf(out)
    return out.getvalue()


def render_pdf(template: str, context: dict) -> bytes:
    """The template rendered with `context` as a PDF (its page size is the template's
    @page rule)."""
    return html_to_pdf(render_html(template, context))
