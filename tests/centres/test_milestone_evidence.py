"""Evidence on a commitment's milestones: text and a photo, checked by its content (Pillow)
and re-encoded without metadata, stored through the media storage, shown on the public
promises pages with an overdue mark derived from the date.

Attacked: a file that is not an image (by its bytes, whatever its name), a GIF, an image
too large, a cancelled commitment, a person who may not report, the admin's inline form."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from centres import meetings, news
from centres.models import Commitment, CommitmentMilestone, Headquarters
from empowerment.kernel import errors
from empowerment.kernel.jalali import local_today
from tests.centres.factories import CentreFactory, HeadquartersFactory, PartnerFactory, staff_user
from tests.codes import error_codes

pytestmark = pytest.mark.django_db


def image(fmt="PNG", size=(1200, 900), name="photo.png", exif: bool = False):
    out = io.BytesIO()
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x010E] = "GPS of the photographer"
        extra["exif"] = data.tobytes()
    Image.new("RGB", size, "grey").save(out, format=fmt, **extra)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def side():
    centre = CentreFactory()
    hq = HeadquartersFactory(
        level=Headquarters.Level.CITY, province=centre.city.province, city=centre.city
    )
    partner = PartnerFactory(name="شهرداری منطقه ۲")
    today = local_today()
    commitment = meetings.commitment_create(
        title="آسفالت کوچه‌های حصه",
        promised_by="شهردار",
        promiser_partner=partner,
        neighbourhood=centre.neighbourhoods.get(),
        due_date=today + datetime.timedelta(days=90),
        headquarters=hq,
        milestones=[
            ("کوچه اول", today - datetime.timedelta(days=3)),
            ("کوچه دوم", today + datetime.timedelta(days=30)),
        ],
    )
    return {"centre": centre, "hq": hq, "partner": partner, "commitment": commitment}


def test_a_photo_is_checked_reencoded_and_shown_on_both_pages(client, side):
    first = side["commitment"].milestones.get(title="کوچه اول")
    done = meetings.commitment_milestone_complete(
        milestone=first,
        evidence="گزارش بازدید",
        photo=image("JPEG", (2400, 1200), name="بازدید من.jpg", exif=True),
    )
    assert done.photo.name.startswith("commitments/evidence/") and done.photo.name.endswith(".jpg")
    assert "بازدید" not in done.photo.name  # a random name, not the resident's file name
    with done.photo.open("rb") as stored, Image.open(stored) as picture:
        assert picture.format == "JPEG" and picture.size == (1600, 800)
        assert not picture.getexif()
    for url in (
        reverse("centre_promises", args=[side["centre"].pk]),
        reverse("neighbourhood_promises", args=[side["commitment"].neighbourhood_id]),
    ):
        body = client.get(url).content.decode()
        assert done.photo.url in body and "گزارش بازدید" in body


def test_evidence_is_added_to_a_milestone_later_by_the_secretary_only(side):
    second = side["commitment"].milestones.get(title="کوچه دوم")
    secretary = staff_user("sec.1", "hq_secretary", side["hq"])
    meetings.commitment_milestone_evidence_add(
        milestone=second, evidence="کار آغاز شد", photo=image(), user=secretary
    )
    second.refresh_from_db()
    assert second.evidence == "کار آغاز شد" and second.photo
    assert second.completed_on is None  # evidence is not completion
    outsider = staff_user("staff.1", "centre_staff", CentreFactory())
    with pytest.raises(errors.NotAllowed):
        meetings.commitment_milestone_evidence_add(milestone=second, evidence="جعلی", user=outsider)
    with pytest.raises(errors.Invalid) as empty:
        meetings.commitment_milestone_evidence_add(milestone=second, user=secretary)
    assert empty.value.code == "invalid"


@pytest.mark.parametrize(
    "upload, code",
    [
        (
            SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg"),
            "image_invalid",
        ),
        (image("GIF", name="a.gif"), "image_invalid"),
        (SimpleUploadedFile("big.png", b"0" * (news.COVER_MAX_BYTES + 1)), "image_too_large"),
    ],
    ids=["script-named-jpg", "gif", "too-large"],
)
def test_what_is_not_a_small_image_is_refused_and_nothing_changes(side, upload, code):
    first = side["commitment"].milestones.get(title="کوچه اول")
    with pytest.raises(ValidationError) as refused:
        meetings.commitment_milestone_complete(milestone=first, photo=upload)
    assert code in error_codes(refused.value)
    first.refresh_from_db()
    assert first.completed_on is None and not first.photo


def test_a_cancelled_commitment_takes_no_evidence(side):
    Commitment.objects.filter(pk=side["commitment"].pk).update(status="cancelled")
    with pytest.raises(errors.Conflict):
        meetings.commitment_milestone_evidence_add(
            milestone=side["commitment"].milestones.first(), evidence="x"
        )


def test_overdue_milestones_and_commitments_are_marked_from_the_date(client, side):
    first, second = side["commitment"].milestones.order_by("due_date")
    assert first.is_overdue and not second.is_overdue
    body = client.get(reverse("centre_promises", args=[side["centre"].pk])).content.decode()
    assert f'data-milestone-overdue="{first.pk}"' in body
    assert f'data-milestone-overdue="{second.pk}"' not in body
    meetings.commitment_milestone_complete(milestone=first)
    first.refresh_from_db()
    assert not first.is_overdue  # done: not overdue whatever its date
    assert set(CommitmentMilestone.objects.overdue()) == set()


def test_the_admin_inline_takes_a_photo_and_refuses_a_fake(client, side):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "r@example.com", "x")
    client.force_login(admin)
    commitment = side["commitment"]
    url = reverse("admin:centres_commitment_change", args=[commitment.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    milestones = list(commitment.milestones.order_by("pk"))

    def post(photo):
        data = {
            "title": commitment.title,
            "promised_by": commitment.promised_by,
            "promiser_partner": side["partner"].pk,
            "neighbourhood": commitment.neighbourhood_id,
            "headquarters": side["hq"].pk,
            "due_date": str(commitment.due_date),
            "milestones-TOTAL_FORMS": "3",
            "milestones-INITIAL_FORMS": "2",
            "milestones-MIN_NUM_FORMS": "0",
            "milestones-MAX_NUM_FORMS": "1000",
        }
        for index, milestone in enumerate(milestones):
            data |= {
                f"milestones-{index}-id": milestone.pk,
                f"milestones-{index}-commitment": commitment.pk,
                f"milestones-{index}-title": milestone.title,
                f"milestones-{index}-due_date": str(milestone.due_date),
            }
        data |= {
            "milestones-2-commitment": commitment.pk,
            "milestones-2-title": "پیاده‌رو",
            "milestones-2-due_date": str(commitment.due_date),
            "milestones-2-evidence": "عکس پیاده‌رو",
            "milestones-2-photo": photo,
        }
        return client.post(url, data)

    refused = post(SimpleUploadedFile("fake.png", b"not an image", content_type="image/png"))
    assert refused.status_code == 200
    assert commitment.milestones.count() == 2
    answer = post(image())
    assert answer.status_code == 302, answer.content.decode()[:3000]
    added = commitment.milestones.get(title="پیاده‌رو")
    assert added.photo.name.endswith(".jpg") and added.evidence == "عکس پیاده‌رو"
