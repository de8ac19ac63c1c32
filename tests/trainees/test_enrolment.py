"""Enrolment: once per cohort, capacity with a waiting list, manager override, drop-out."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.trainees.factories import TraineeFactory
from trainees import services
from trainees.models import Enrolment

pytestmark = pytest.mark.django_db


def test_not_twice_in_the_same_cohort(cohort):
    trainee = TraineeFactory()
    services.enrolment_create(trainee=trainee, cohort=cohort)
    with pytest.raises(ValidationError) as error:
        services.enrolment_create(trainee=trainee, cohort=cohort)
    assert error.value.code == "conflict"  # as the API has always answered
    assert Enrolment.objects.count() == 1


def test_full_cohort_puts_trainees_on_the_waiting_list(cohort):
    enrolments = [
        services.enrolment_create(trainee=TraineeFactory(), cohort=cohort) for _ in range(5)
    ]
    statuses = [e.status for e in enrolments]
    assert statuses == ["enrolled"] * 3 + ["waitlisted"] * 2


def test_only_a_manager_may_enrol_over_capacity(cohort, staff, manager):
    for _ in range(3):
        services.enrolment_create(trainee=TraineeFactory(), cohort=cohort)
    with pytest.raises(PermissionDenied):
        services.enrolment_create(
            trainee=TraineeFactory(), cohort=cohort, by=staff, override_capacity=True
        )
    enrolment = services.enrolment_create(
        trainee=TraineeFactory(), cohort=cohort, by=manager, override_capacity=True
    )
    assert enrolment.status == "enrolled" and enrolment.over_capacity


def test_drop_out_needs_a_reason_and_frees_the_seat_for_the_waiting_list(cohort):
    first, _second, _third, waiting = (
        services.enrolment_create(trainee=TraineeFactory(), cohort=cohort) for _ in range(4)
    )
    with pytest.raises(ValidationError):
        services.enrolment_drop(enrolment=first, reason="  ")
    services.enrolment_drop(enrolment=first, reason="بیماری")
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.status == "dropped" and first.drop_reason == "بیماری" and first.dropped_on
    assert waiting.status == "enrolled"


def test_closed_cohort_takes_no_enrolment(cohort):
    cohort.status = "completed"
    cohort.save()
    with pytest.raises(ValidationError):
        services.enrolment_create(trainee=TraineeFactory(), cohort=cohort)


def test_staff_enrol_through_the_admin_and_see_the_waiting_list_warning(client, staff, cohort):
    for _ in range(3):
        services.enrolment_create(trainee=TraineeFactory(), cohort=cohort)
    trainee = TraineeFactory(registered_at=cohort.centre)
    client.force_login(staff)
    response = client.post(
        reverse("admin:trainees_enrolment_add"),
        {"trainee": trainee.pk, "cohort": cohort.pk},
        follow=True,
    )
    assert response.status_code == 200
    enrolment = Enrolment.objects.get(trainee=trainee)
    assert enrolment.status == "waitlisted"
    assert enrolment.history.latest().history_user == staff


def test_staff_cannot_override_capacity_through_the_admin(client, staff, cohort):
    for _ in range(3):
        services.enrolment_create(trainee=TraineeFactory(), cohort=cohort)
    trainee = TraineeFactory(registered_at=cohort.centre)
    client.force_login(staff)
    client.post(
        reverse("admin:trainees_enrolment_add"),
        {"trainee": trainee.pk, "cohort": cohort.pk, "override_capacity": "on"},
    )
    assert not Enrolment.objects.filter(trainee=trainee).exists()


def test_drop_out_through_the_admin_change_page(client, staff, cohort):
    enrolment = services.enrolment_create(trainee=TraineeFactory(), cohort=cohort)
    client.force_login(staff)
    url = reverse("admin:trainees_enrolment_change", args=[enrolment.pk])
    response = client.post(url, {"drop_reason": "اشتغال تمام‌وقت"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "dropped"


def test_enrolments_of_another_centre_are_not_reachable(client, two_centres, cohort):
    enrolment = services.enrolment_create(trainee=TraineeFactory(), cohort=cohort)
    client.force_login(two_centres["staff_karaj"])
    url = reverse("admin:trainees_enrolment_change", args=[enrolment.pk])
    assert client.get(url).status_code == 302
    listing = client.get(reverse("admin:trainees_enrolment_changelist"))
    assert cohort.title not in listing.content.decode()
