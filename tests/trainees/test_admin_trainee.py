"""The trainee pages staff use: the form's refusals, search however typed, filters."""

import jdatetime
import pytest
from django.urls import reverse

from tests.centres.factories import NeighbourhoodFactory
from tests.programs.factories import CohortFactory
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees.demo import national_code
from trainees.models import Trainee

pytestmark = pytest.mark.django_db


def form_data(centre, **overrides):
    data = {
        "first_name": "نرگس",
        "last_name": "لاجوردی",
        "father_name": "",
        "national_code": national_code(900),
        "mobile": "+989131234567",
        "gender": "female",
        "birth_date": "۱۳۷۵/۰۶/۲۱",
        "registered_at": centre.pk,
        "enrolments-TOTAL_FORMS": "0",
        "enrolments-INITIAL_FORMS": "0",
        "outcomes-TOTAL_FORMS": "0",
        "outcomes-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_staff_register_a_trainee_through_the_admin(client, staff, isfahan):
    client.force_login(staff)
    response = client.post(reverse("admin:trainees_trainee_add"), form_data(isfahan))
    assert response.status_code == 302, response.content.decode()[:3000]
    trainee = Trainee.objects.get()
    assert trainee.mobile == "09131234567"
    assert trainee.birth_date == jdatetime.date(1375, 6, 21)
    assert trainee.history.latest().history_user == staff


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("birth_date", "1402-12-30", None),  # 30 Esfand of a common year
        ("birth_date", "1403-13-01", None),  # month 13
        ("national_code", "1234567890", "national_code_checksum"),
        ("national_code", "123456789", "national_code_length"),
        ("national_code", "0000000000", "national_code_repeated"),
    ],
)
def test_admin_form_refuses_bad_values_on_their_field(client, staff, isfahan, field, value, code):
    client.force_login(staff)
    response = client.post(
        reverse("admin:trainees_trainee_add"), form_data(isfahan, **{field: value})
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == [field]
    if code:
        assert form.has_error(field, code), form.errors.as_data()
    assert not Trainee.objects.exists()


def test_staff_cannot_register_a_trainee_at_another_centre(client, staff, karaj):
    client.force_login(staff)
    response = client.post(reverse("admin:trainees_trainee_add"), form_data(karaj))
    assert response.status_code == 200
    assert "registered_at" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    "term",
    ["نیک‌سرشت", "نیک سرشت", "نیکسرشت", "نيک سرشت", "زهرا نیکسرشت"],
)
def test_search_finds_a_name_however_it_was_typed(client, staff, isfahan, term):
    TraineeFactory(registered_at=isfahan, first_name="زهرا", last_name="نیک‌سرشت")
    TraineeFactory(registered_at=isfahan, first_name="سارا", last_name="تابان")
    client.force_login(staff)
    response = client.get(reverse("admin:trainees_trainee_changelist"), {"q": term})
    names = [t.last_name for t in response.context["cl"].result_list]
    assert names == ["نیک‌سرشت"]


def test_search_by_national_code_or_mobile_in_persian_digits(client, staff, isfahan):
    code = national_code(321)
    TraineeFactory(registered_at=isfahan, national_code=code, mobile="09135550000")
    TraineeFactory(registered_at=isfahan)
    client.force_login(staff)
    url = reverse("admin:trainees_trainee_changelist")
    to_fa = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    for term in (code.translate(to_fa), "۰۹۱۳۵۵۵"):
        result = client.get(url, {"q": term}).context["cl"].result_list
        assert [t.national_code for t in result] == [code]


def test_filters_by_programme_cohort_gender_age_neighbourhood_and_status(client, staff, isfahan):
    hood = NeighbourhoodFactory(district__city=isfahan.city)
    isfahan.neighbourhoods.add(hood)
    cohort = CohortFactory(centre=isfahan)
    young = TraineeFactory(
        registered_at=isfahan, birth_date=jdatetime.date(1385, 1, 1), neighbourhood=hood
    )
    old = TraineeFactory(
        registered_at=isfahan, birth_date=jdatetime.date(1340, 1, 1), gender="male"
    )
    EnrolmentFactory(trainee=young, cohort=cohort)
    client.force_login(staff)
    url = reverse("admin:trainees_trainee_changelist")

    def listed(**params):
        return {t.pk for t in client.get(url, params).context["cl"].result_list}

    assert listed(cohort=cohort.pk) == {young.pk}
    assert listed(programme=cohort.programme_id) == {young.pk}
    assert listed(gender="male") == {old.pk}
    assert listed(age="youth") == {young.pk}
    assert listed(age="senior") == {old.pk}
    assert listed(neighbourhood=hood.pk) == {young.pk}
    assert listed(status="enrolled") == {young.pk}


def test_cohort_filter_offers_only_the_staffs_cohorts(client, staff, isfahan, karaj):
    own = CohortFactory(centre=isfahan, title="دوره خودی")
    CohortFactory(centre=karaj, title="دوره دیگری")
    client.force_login(staff)
    body = client.get(reverse("admin:trainees_trainee_changelist")).content.decode()
    assert own.title in body and "دوره دیگری" not in body


def test_trainee_list_query_count_does_not_grow_with_rows(
    client, staff, isfahan, django_assert_max_num_queries
):
    for _ in range(30):
        TraineeFactory(registered_at=isfahan)
    client.force_login(staff)
    url = reverse("admin:trainees_trainee_changelist")
    client.get(url)
    # session, user, staff roles (scope), permissions, the page of rows with its
    # neighbourhood and centre joined, and one query per scoped filter's choices.
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 30
