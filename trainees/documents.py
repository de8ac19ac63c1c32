"""The printable certificate: HTML rendered to PDF by WeasyPrint (Pango and HarfBuzz shape
the Persian text: joined letters, right to left), with the Vazirmatn font the portal serves
and a QR code of the public verification address.

Pages people print are built here, not in the admin, so that the admin, a future API and
the shaping test render the same document.
"""

import base64
from io import BytesIO
from pathlib import Path

import jdatetime
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from empowerment.kernel.persian import to_persian_digits

from .models import Certificate

FONT_DIR = "vendor/vazirmatn/fonts/ttf"


def _font_url(weight: str) -> str:
    # Development finds the font in node_modules; a built image in the collected files.
    name = f"{FONT_DIR}/Vazirmatn-{weight}.ttf"
    found = finders.find(name) or staticfiles_storage.path(name)
    return Path(found).as_uri()


def persian_date(value: jdatetime.date) -> str:
    """۳۰ دی ۱۴۰۲: the day, the month's Persian name and the year, in Persian digits."""
    month = jdatetime.date.j_months_fa[value.month - 1]
    return to_persian_digits(f"{value.day} {month} {value.year}")


def qr_data_uri(url: str) -> str:
    """The address as a QR code (SVG paths: sharp at any print size), for an <img>."""
    image = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    svg = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


class FontsOnly(URLFetcher):
    """The document loads its two fonts and its inline QR code, nothing else: no text a
    person typed can make the renderer read a file or reach the network."""

    def fetch(self, url, headers=None):
        allowed = {_font_url("Regular"), _font_url("Bold")}
        if url in allowed or url.startswith("data:"):
            return super().fetch(url, headers)
        raise ValueError(f"certificate documents load no {url[:40]!r}")


def certificate_context(certificate: Certificate, *, verify_url: str) -> dict:
    enrolment = certificate.enrolment
    cohort = enrolment.cohort
    return {
        "certificate": certificate,
        "holder": enrolment.trainee.full_name,
        "programme": cohort.programme.title,
        "cohort": cohort.title,
        "centre": cohort.centre.name,
        "date": persian_date(certificate.issued_on),
        "hours": to_persian_digits(cohort.programme.total_hours),
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url),
        "font_regular": _font_url("Regular"),
        "font_bold": _font_url("Bold"),
    }


def certificate_html(certificate: Certificate, *, verify_url: str) -> str:
    # The document is Persian whatever language the person's browser asked for.
    with translation.override("fa"):
        return render_to_string(
            "trainees/certificate_pdf.html",
            certificate_context(certificate, verify_url=verify_url),
        )


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """The certificate as a one-page A4 landscape PDF."""
    html = certificate_html(certificate, verify_url=verify_url)
    out = BytesIO()
    HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=FontsOnly()).write_pdf(out)
    return out.getvalue()
