"""The certificate's PDF: Persian shaped (letters joined, right to left), checked on the
rendered page, since text extraction cannot see broken shaping.

The page is rendered to an image (PDFium) and compared with a reviewed reference,
tests/trainees/reference/certificate.png, within a tolerance that absorbs anti-aliasing but
not a letter drawn in its isolated form. The same comparison is shown to fail on a page whose
letters are kept from joining and on a page laid out left to right: the test can see what it
guards. To renew the reference after a deliberate change of the layout, run the test with
CERTIFICATE_REFERENCE_UPDATE=1, then look at the image before committing it.
"""

import os
from pathlib import Path

import jdatetime
import pypdfium2
import pytest
from PIL import Image, ImageChops

from centres.models import Centre
from programs.models import Cohort, Programme
from trainees import documents
from trainees.models import Certificate, Enrolment, Trainee

REFERENCE = Path(__file__).parent / "reference" / "certificate.png"
ZWNJ = "\u200c"
# Share of the page's pixels that may differ by more than a quarter of the grey scale
# (anti-aliasing of another FreeType or PDFium build); a name shaped wrongly moves ten times
# as many.
TOLERANCE = 0.002


def _certificate(*, mode: str = "") -> Certificate:
    """A certificate built in memory (nothing saved): fixed text, date and token. `mode`
    spoils its Persian text: "isolated" keeps every letter from joining, "reversed" stores
    each text backwards."""

    def text(value: str) -> str:
        if mode == "isolated":
            return ZWNJ.join(value)
        if mode == "reversed":
            return value[::-1]
        return value

    programme = Programme(title=text("میناکاری"), total_hours=120)
    centre = Centre(name=text("مرکز توانمندسازی و اشتغال مناطق ۱۰ و ۱۴ اصفهان"))
    cohort = Cohort(
        title=text("میناکاری مقدماتی حصه"), code="MNK-1402-1", programme=programme, centre=centre
    )
    trainee = Trainee(first_name=text("فاطمه"), last_name=text("رضایی"))
    return Certificate(
        enrolment=Enrolment(trainee=trainee, cohort=cohort),
        number="MNK-1402-1-007",
        token="reference-token-000000",
        issued_on=jdatetime.date(1402, 8, 30),
    )


def _render(pdf: bytes) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1, "the certificate is one page"
    return document[0].render(scale=1).to_pil().convert("L")


def _pdf(certificate: Certificate) -> bytes:
    return documents.certificate_pdf(
        certificate, verify_url="https://portal.example/certificates/reference-token-000000/"
    )


def _differing_share(image: Image.Image, reference: Image.Image) -> float:
    assert image.size == reference.size
    diff = ImageChops.difference(image, reference).point(lambda v: 255 if v > 64 else 0)
    return diff.histogram()[255] / (image.width * image.height)


@pytest.fixture(scope="module")
def rendered() -> Image.Image:
    return _render(_pdf(_certificate()))


def test_the_page_matches_the_reviewed_reference(rendered):
    if os.environ.get("CERTIFICATE_REFERENCE_UPDATE"):
        rendered.quantize(colors=16).save(REFERENCE, optimize=True)
    reference = Image.open(REFERENCE).convert("L")
    assert _differing_share(rendered, reference) <= TOLERANCE


def test_letters_kept_from_joining_fail_the_comparison(rendered):
    broken = _render(_pdf(_certificate(mode="isolated")))
    share = _differing_share(broken, Image.open(REFERENCE).convert("L"))
    assert share > 5 * TOLERANCE, share


def test_letters_drawn_left_to_right_fail_the_comparison(rendered):
    # What a renderer without the bidirectional algorithm draws: each text's letters in
    # their stored order from left to right (here: stored reversed, then laid out right to
    # left, which puts the same glyphs on the page).
    ltr = _render(_pdf(_certificate(mode="reversed")))
    share = _differing_share(ltr, Image.open(REFERENCE).convert("L"))
    assert share > 5 * TOLERANCE, share


def test_the_pdf_carries_the_number_and_the_jalali_date_in_persian_digits():
    pdf = _pdf(_certificate())
    assert pdf.startswith(b"%PDF-")
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "1402-1-007" in text  # extraction gives the visual order: MNK lands after
    assert "۱۴۰۲" in text  # the date in Persian digits
