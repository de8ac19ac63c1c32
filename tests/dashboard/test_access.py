"""Sign-in, sign-out, the landing page and who may open which dashboard."""

import pytest
from django.urls import reverse

from tests.centres.factories import PartnerFactory, UserFactory, staff_user
from tests.codes import form_codes, page_codes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    ["dashboard:index", "dashboard:neighbourhoods"],
)
def test_anonymous_is_sent_to_the_dashboard_sign_in(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dashboard:login')}?next={url}"


def test_anonymous_cannot_download_an_export(client):
    url = reverse("dashboard:neighbourhoods-export", kwargs={"figure": "districts"})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login"))


@pytest.mark.wording
def test_sign_in_page_is_persian_and_right_to_left(client):
    response = client.get(reverse("dashboard:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html
    assert "vendor/vazirmatn/Vazirmatn-font-face.css" in html
    assert "ورود به داشبوردها" in html


def test_signing_in_with_axes_active_leads_to_the_page_asked_for(
    client, settings, council_member, password
):
    # django-axes authenticates with the request: the login view must hand it over.
    settings.AXES_ENABLED = True
    target = reverse("dashboard:neighbourhoods")
    response = client.post(
        reverse("dashboard:login"),
        {"username": "council.isfahan", "password": password, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == target
    assert client.get(target).status_code == 200


def test_wrong_password_is_refused(client, settings, council_member):
    settings.AXES_ENABLED = True
    response = client.post(
        reverse("dashboard:login"), {"username": "council.isfahan", "password": "wrong"}
    )
    assert response.status_code == 200
    assert form_codes(response.context["form"]) == {"__all__": ["invalid_login"]}


def test_sign_out_returns_to_the_sign_in_page(council_client):
    response = council_client.post(reverse("dashboard:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:login")
    assert council_client.get(reverse("dashboard:index")).status_code == 302


def test_landing_page_links_the_dashboards_the_user_may_open(council_client):
    response = council_client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert f'href="{reverse("dashboard:neighbourhoods")}"' in response.content.decode()


def test_a_partner_officer_sees_no_indicator_dashboard(client):
    officer = staff_user("officer", "partner_officer", PartnerFactory())
    client.force_login(officer)
    index = client.get(reverse("dashboard:index")).content.decode()
    assert reverse("dashboard:neighbourhoods") not in index
    assert client.get(reverse("dashboard:neighbourhoods")).status_code == 403


def test_a_user_without_any_role_is_told_so(client):
    client.force_login(UserFactory())
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert not response.context["dashboard_pages"]
    assert page_codes(response) == ["no_dashboard"]


def test_landing_page_query_count_is_pinned(django_assert_num_queries, council_client):
    council_client.get(reverse("dashboard:index"))
    with django_assert_num_queries(4):
        # 1 session, 2 user, 3-4 permissions of the user and of their groups (which
        # dashboards to link). Scope is not needed to list the dashboards.
        council_client.get(reverse("dashboard:index"))
