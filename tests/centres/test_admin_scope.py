"""A centre's staff see and change only their centre's rows through the admin."""

import pytest
from django.urls import reverse

from centres.models import Centre, StaffRole
from tests.centres.factories import staff_user

pytestmark = pytest.mark.django_db


def test_staff_list_shows_only_own_centre(client, two_centres):
    client.force_login(two_centres["staff_isfahan"])
    response = client.get(reverse("admin:centres_centre_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "مرکز اصفهان" in body
    assert "مرکز کرج" not in body


def test_staff_cannot_open_another_centres_change_page(client, two_centres):
    client.force_login(two_centres["staff_isfahan"])
    own = client.get(reverse("admin:centres_centre_change", args=[two_centres["isfahan"].pk]))
    assert own.status_code == 200
    foreign = client.get(reverse("admin:centres_centre_change", args=[two_centres["karaj"].pk]))
    # The admin answers a row outside the queryset as missing: a redirect to the index
    # with "does not exist", never the page itself.
    assert foreign.status_code == 302
    assert foreign.url == reverse("admin:index")


def test_forged_post_does_not_change_another_centre(client, two_centres):
    manager = staff_user("manager.a", "centre_manager", two_centres["isfahan"])
    client.force_login(manager)
    karaj = two_centres["karaj"]
    url = reverse("admin:centres_centre_change", args=[karaj.pk])
    response = client.post(
        url,
        {"name": "ربوده شده", "city": karaj.city_id, "is_active": "on"},
    )
    assert response.status_code == 302
    karaj.refresh_from_db()
    assert karaj.name == "مرکز کرج"


def test_forged_history_url_finds_nothing(client, two_centres):
    client.force_login(two_centres["staff_isfahan"])
    url = reverse("admin:centres_centre_history", args=[two_centres["karaj"].pk])
    assert client.get(url).status_code == 404
    own = reverse("admin:centres_centre_history", args=[two_centres["isfahan"].pk])
    assert client.get(own).status_code == 200


def test_manager_can_change_own_centre_and_history_records_it(client, two_centres):
    manager = staff_user("manager.a", "centre_manager", two_centres["isfahan"])
    client.force_login(manager)
    centre = two_centres["isfahan"]
    url = reverse("admin:centres_centre_change", args=[centre.pk])
    response = client.post(
        url,
        {
            "name": "مركز اصفهان نو",  # typed with an Arabic kaf
            "city": centre.city_id,
            "opening_date": "1400-10-20",
            "phone": "۰۳۱۳۳۰۰۰۰۰۰",
            "is_active": "on",
            "districts": [d.pk for d in centre.districts.all()],
            "neighbourhoods": [n.pk for n in centre.neighbourhoods.all()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    centre.refresh_from_db()
    assert centre.name == "مرکز اصفهان نو"
    assert centre.phone == "03133000000"
    latest = centre.history.latest()
    assert latest.history_user == manager
    history_page = client.get(reverse("admin:centres_centre_history", args=[centre.pk]))
    assert manager.username in history_page.content.decode()


def test_city_council_member_sees_every_centre_of_the_city_only(client, two_centres):
    from tests.centres.factories import CentreFactory

    isfahan = two_centres["isfahan"]
    second = CentreFactory(name="مرکز دوم اصفهان", city=isfahan.city)
    council = staff_user("council.a", "council_member", isfahan.city)
    visible = set(Centre.objects.visible_to(council))
    assert visible == {isfahan, second}


def test_staff_foreign_key_choices_are_scoped(client, two_centres):
    admin_user = staff_user("root", "administrator")
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(two_centres["staff_isfahan"])
    # Staff may not manage roles at all.
    assert client.get(reverse("admin:centres_staffrole_changelist")).status_code == 403
    # The scope also narrows the choices a form offers.
    from django.test import RequestFactory

    from centres.admin.organisations import HeadquartersAdmin
    from centres.models import Headquarters

    request = RequestFactory().get("/")
    request.user = two_centres["staff_isfahan"]
    model_admin = HeadquartersAdmin(Headquarters, admin_site=None)
    field = model_admin.formfield_for_foreignkey(Headquarters._meta.get_field("centre"), request)
    assert list(field.queryset) == [two_centres["isfahan"]]


def test_search_normalises_arabic_letters_and_digits(client, two_centres):
    manager = staff_user("manager.a", "centre_manager", two_centres["isfahan"])
    client.force_login(manager)
    url = reverse("admin:centres_centre_changelist")
    # Typed on an Arabic keyboard: ي and ك.
    response = client.get(url, {"q": "مركز اصفهان"})
    assert "مرکز اصفهان" in response.content.decode()
    assert StaffRole.objects.filter(user=manager).count() == 1
