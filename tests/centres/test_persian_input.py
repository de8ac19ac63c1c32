"""Dates, times and numbers typed in Persian in the admin (issue 15, Persian input): every
date, time and number box of every admin page takes Persian or Arabic digits and `/` in
dates, as a secretary or centre staff member types them on whatever keyboard they have."""

import datetime
from decimal import Decimal

import jdatetime
import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AdminIntegerFieldWidget
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django_jalali.db import models as jmodels

from centres.models import Meeting
from empowerment.kernel.widgets import NumberWidget, PersianDateWidget, PersianTimeWidget
from tests.centres.factories import HeadquartersFactory, PartnerFactory, staff_user

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"centres", "programs", "trainees"}
EXPECTED = [
    (jmodels.jDateField, PersianDateWidget),
    (models.TimeField, PersianTimeWidget),
    (models.IntegerField, NumberWidget),
    (models.DecimalField, NumberWidget),
    (models.FloatField, NumberWidget),
]


def _admins():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in PROJECT_APPS:
            yield model, model_admin
            for inline in model_admin.inlines:
                yield inline.model, inline(model, admin.site)


def test_every_date_time_and_number_box_of_the_admin_takes_persian(django_user_model):
    """Walks every model admin and inline of the project: each editable date, time and
    number field (not a choice) gets the Persian-taking widget, never a type=number box."""
    request = RequestFactory().get("/admin/")
    request.user = django_user_model.objects.create_superuser("root", "r@example.org", "x")
    wrong, checked = [], 0
    for model, model_admin in _admins():
        for db_field in model._meta.fields:
            if not db_field.editable or db_field.choices or db_field.is_relation:
                continue
            expected = next((w for cls, w in EXPECTED if isinstance(db_field, cls)), None)
            if expected is None or db_field.auto_created:
                continue
            form_field = model_admin.formfield_for_dbfield(db_field, request)
            if form_field is None:
                continue
            checked += 1
            widget = form_field.widget
            if not isinstance(widget, expected) or isinstance(widget, AdminIntegerFieldWidget):
                wrong.append(f"{model._meta.label}.{db_field.name}: {type(widget).__name__}")
    assert wrong == []
    assert checked >= 30


def test_a_secretary_types_a_meeting_in_persian_digits(client):
    hq = HeadquartersFactory(name="قرارگاه اجتماعی استان البرز")
    relief = PartnerFactory(name="کمیته امداد")
    client.force_login(staff_user("secretary", "hq_secretary", hq))
    empty = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0"}
    data = {
        "headquarters": hq.pk,
        "kind": "regular",
        "number": "۷۳",
        "date": "۱۴۰۳/۱۲/۲۷",
        "start_time": "۱۰:۳۰",
        "duration_hours": "۲٫۵",
        "venue": "استانداری",
        "chair": "معاون وزیر کشور",
        "minutes": "",
        **{f"attendees-{k}": v for k, v in empty.items()},
        **{f"agenda_items-{k}": v for k, v in empty.items()},
        "resolutions-TOTAL_FORMS": "1",
        "resolutions-INITIAL_FORMS": "0",
        "resolutions-MIN_NUM_FORMS": "0",
        "resolutions-0-text": "راه‌اندازی مراکز مشاوره شغلی",
        "resolutions-0-responsible": str(relief.pk),
        "resolutions-0-deadline": "1404/3/31",
    }
    response = client.post(reverse("admin:centres_meeting_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get(headquarters=hq)
    assert meeting.number == 73
    assert meeting.date == jdatetime.date(1403, 12, 27)
    assert meeting.start_time == datetime.time(10, 30)
    assert meeting.duration_hours == Decimal("2.5")
    assert meeting.resolutions.get().deadline == jdatetime.date(1404, 3, 31)


def test_an_impossible_persian_date_is_refused_on_the_form_and_nothing_is_saved(client):
    hq = HeadquartersFactory()
    client.force_login(staff_user("secretary", "hq_secretary", hq))
    empty = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0"}
    data = {
        "headquarters": hq.pk,
        "kind": "regular",
        "date": "۱۴۰۲/۱۲/۳۰",  # 1402 is not a leap year: Esfand has 29 days
        "venue": "استانداری",
        **{
            f"{prefix}-{k}": v
            for prefix in ("attendees", "agenda_items", "resolutions")
            for k, v in empty.items()
        },
    }
    response = client.post(reverse("admin:centres_meeting_add"), data)
    assert response.status_code == 200
    assert "date" in response.context["adminform"].form.errors
    assert not Meeting.objects.exists()


def test_the_meeting_page_has_no_number_box_that_drops_persian_digits(client):
    hq = HeadquartersFactory()
    client.force_login(staff_user("secretary", "hq_secretary", hq))
    page = client.get(reverse("admin:centres_meeting_add")).content.decode()
    assert 'type="number"' not in page
    assert 'inputmode="decimal"' in page


@pytest.mark.wording
def test_admin_messages_are_persian_where_django_leaves_them_english(client):
    """A meeting with neither a headquarters nor a centre: the form's summary line and the
    refusal are Persian, with no constraint name or English text (translation test: it
    checks the wording on purpose, so it needs the compiled catalogues)."""
    hq = HeadquartersFactory()
    client.force_login(staff_user("secretary", "hq_secretary", hq))
    empty = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0"}
    data = {
        "kind": "regular",
        "date": "1403/12/27",
        "venue": "استانداری",
        **{
            f"{prefix}-{k}": v
            for prefix in ("attendees", "agenda_items", "resolutions")
            for k, v in empty.items()
        },
    }
    response = client.post(reverse("admin:centres_meeting_add"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "لطفاً خطای زیر را اصلاح کنید." in page or "لطفاً خطاهای زیر را اصلاح کنید." in page
    assert "Please correct" not in page
    assert "meeting_exactly_one_body" not in page and "Constraint" not in page
    assert "یکی از آن دو را انتخاب کنید" in page
    assert not Meeting.objects.exists()
