"""The printable certificate, with a QR code of the public verification address, rendered
by the kernel's document renderer (empowerment/kernel/documents.py: WeasyPrint, Vazirmatn,
Persian digits).

Pages people print are built here, not in the admin, so that the admin, a future API and
the shaping test render the same document.
"""

import base64

import qrcode
import qrcode.image.svg

from empowerment.kernel.documents import persian_date, render_html, render_pdf
from empowerment.kernel.persian import to_persian_digits

from .models import Certificate

__all__ = ["certificate_html", "certificate_pdf", "persian_date", "qr_data_uri"]


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
    }


CERTIFICATE_TEMPLATE = "trainees/certificate_pdf.html"


def certificate_html(certificate: Certificate, *, verify_url: str) -> str:
    return render_html(
        CERTIFICATE_TEMPLATE, certificate_context(certificate, verify_url=verify_url)
    )


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """The certificate as a one-page A4 landscape PDF."""
    return render_pdf(CERTIFICATE_TEMPLATE, certificate_context(certificate, verify_url=verify_url))
