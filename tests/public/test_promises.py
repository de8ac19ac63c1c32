"""Public accountability: what was promised to a neighbourhood and a centre's area, and the
resolutions headquarters chose to publish, on the seeded demo (the 1401 asphalt promise to
Hesseh, overdue; two of the Alborz 73rd meeting's resolutions published, one private).

Attacked: a private resolution, follow-up notes, a cancelled resolution, a partner officer
or another headquarters' secretary publishing, an inactive centre, an unserved
neighbourhood."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from centres import meetings as services
from centres.models import Centre, Commitment, Neighbourhood, Resolution, ResolutionFollowUp
from empowerment.kernel import errors

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def demo(demo_once, db):
    return demo_once


def user(username):
    return User.objects.get(username=username)


def test_hesseh_sees_the_asphalt_promise_overdue_with_its_milestones(client, demo):
    hesseh = Neighbourhood.objects.get(name="حصه")
    asphalt = Commitment.objects.get(title__startswith="آسفالت")
    page = client.get(reverse("neighbourhood_promises", args=[hesseh.pk]))
    assert page.status_code == 200
    assert page.context["commitments"] == [asphalt]
    body = page.content.decode()
    assert f'data-commitment="{asphalt.pk}"' in body
    assert f'data-overdue-days="{asphalt.days_overdue()}"' in body and asphalt.days_overdue() > 0
    assert "گزارش بازدید میدانی قرارگاه جهادی حصه" in body  # a milestone's evidence
    # The centre serving Hesseh links its neighbourhoods' pages and its own.
    centre = Centre.objects.get(neighbourhoods=hesseh)
    centre_page = client.get(reverse("centre_detail", args=[centre.pk])).content.decode()
    assert reverse("neighbourhood_promises", args=[hesseh.pk]) in centre_page
    assert reverse("centre_promises", args=[centre.pk]) in centre_page
    promises = client.get(reverse("centre_promises", args=[centre.pk]))
    assert asphalt in promises.context["commitments"]


def test_only_published_resolutions_show_and_never_their_follow_up_notes(client, demo):
    karaj = Centre.objects.get(city__name="کرج")
    published = set(Resolution.objects.exclude(published_at=None))
    assert len(published) == 2
    page = client.get(reverse("centre_promises", args=[karaj.pk]))
    assert set(page.context["resolutions"]) == published
    body = page.content.decode()
    private = Resolution.objects.filter(published_at=None).first()
    assert f'data-resolution="{private.pk}"' not in body
    notes = ResolutionFollowUp.objects.filter(resolution__in=published).values_list(
        "note", flat=True
    )
    assert notes and not any(note in body for note in notes)
    # Isfahan is under another province's headquarters: none of Alborz's resolutions.
    isfahan = Centre.objects.get(neighbourhoods__name="حصه")
    assert client.get(reverse("centre_promises", args=[isfahan.pk])).context["resolutions"] == []


def test_the_secretary_publishes_and_withdraws_and_others_cannot(demo):
    secretary = user("secretary.alborz")
    private = Resolution.objects.filter(published_at=None).first()
    published = services.resolution_publish(resolution=private, user=secretary)
    assert published.published_at is not None and published.published_by == secretary
    again = services.resolution_publish(resolution=private, user=secretary)
    assert again.published_at == published.published_at  # a second click changes nothing
    withdrawn = services.resolution_publish(resolution=private, user=secretary, publish=False)
    assert withdrawn.published_at is None and withdrawn.published_by is None

    with pytest.raises(errors.NotAllowed):
        services.resolution_publish(resolution=private, user=user("officer.relief"))
    for outsider in ("staff.isfahan", "council.isfahan"):
        with pytest.raises((errors.OutOfScope, errors.NotAllowed)):
            services.resolution_publish(resolution=private, user=user(outsider))
    private.refresh_from_db()
    assert private.published_at is None


def test_a_cancelled_resolution_is_not_published_and_leaves_the_page(client, demo):
    secretary = user("secretary.alborz")
    pending = Resolution.objects.filter(published_at=None).exclude(status="done").first()
    shown = services.resolution_publish(resolution=pending, user=secretary)
    services.resolution_cancel(resolution=shown, user=secretary, reason="منتفی شد")
    karaj = Centre.objects.get(city__name="کرج")
    page = client.get(reverse("centre_promises", args=[karaj.pk]))
    assert shown not in page.context["resolutions"]
    with pytest.raises(errors.Conflict) as refused:
        services.resolution_publish(
            resolution=Resolution.objects.get(pk=shown.pk), user=secretary, publish=True
        )
    assert refused.value.code == "resolution_cancelled"


def test_the_admin_action_publishes_as_the_secretary(client, demo):
    private = Resolution.objects.filter(published_at=None, status="open").first()
    if private is None:
        private = Resolution.objects.filter(published_at=None).first()
    client.force_login(user("secretary.alborz"))
    response = client.post(
        reverse("admin:centres_resolution_changelist"),
        {"action": "publish_selected", "_selected_action": [private.pk]},
    )
    assert response.status_code == 302
    private.refresh_from_db()
    assert private.published_at is not None
    # A partner officer is not offered the action and cannot post it.
    client.force_login(user("officer.relief"))
    client.post(
        reverse("admin:centres_resolution_changelist"),
        {"action": "withdraw_selected", "_selected_action": [private.pk]},
    )
    private.refresh_from_db()
    assert private.published_at is not None


def test_unknown_inactive_or_unserved_places_are_not_found(client, demo):
    inactive = Centre.objects.create(
        name="مرکز بسته", city=Centre.objects.first().city, is_active=False
    )
    assert client.get(reverse("centre_promises", args=[inactive.pk])).status_code == 404
    unserved = Neighbourhood.objects.exclude(centres__is_active=True).first()
    if unserved is not None:
        url = reverse("neighbourhood_promises", args=[unserved.pk])
        assert client.get(url).status_code == 404
    assert client.get(reverse("neighbourhood_promises", args=[999999])).status_code == 404


def test_the_demo_asphalt_promise_shows_its_photo_and_only_published_comments(client, demo):
    asphalt = Commitment.objects.get(title__startswith="آسفالت")
    hesseh = asphalt.neighbourhood
    body = client.get(reverse("neighbourhood_promises", args=[hesseh.pk])).content.decode()
    done = asphalt.milestones.exclude(photo="").get()
    assert done.photo.url in body
    assert "پیاده‌رو کی ساخته می‌شود" in body  # published by the centre's manager
    assert "آسفالت خیابان اصلی خوب انجام شد" not in body  # still waiting for review
    assert reverse("public_commitment_follow", args=[asphalt.pk]) in body
    page = client.get(reverse("public_commitment_follow", args=[asphalt.pk]))
    assert page.status_code == 200 and asphalt.is_overdue
