"""A list filter offers only what the person may see: Isfahan's staff are not offered the
Karaj centre, its cohorts or anything else of another scope (issue 15). Walks every admin
list of the project, as every admin role of the demo, and every relation filter on it."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from centres.scope import ScopedQuerySet

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"centres", "programs", "trainees"}
PEOPLE = ["staff.isfahan", "manager.isfahan", "staff.karaj", "secretary.alborz", "officer.relief"]


def test_no_relation_filter_offers_a_row_out_of_scope(client, demo_once):
    checked = 0
    offered_elsewhere = []
    for username in PEOPLE:
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        for model in admin.site._registry:
            if model._meta.app_label not in PROJECT_APPS:
                continue
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            response = client.get(url)
            if response.status_code != 200:
                continue
            for spec in response.context["cl"].filter_specs:
                related = getattr(getattr(spec, "field", None), "related_model", None)
                if related is None or not hasattr(spec, "lookup_choices"):
                    continue
                queryset = related._default_manager.all()
                if not isinstance(queryset, ScopedQuerySet):
                    continue
                checked += 1
                # What the person may see, and what the rows they see point to (a meeting
                # they follow shows its headquarters' name in the list anyway).
                visible = set(queryset.visible_to(user).values_list("pk", flat=True))
                root = response.context["cl"].root_queryset
                visible |= set(root.values_list(spec.field_path, flat=True))
                for pk, label in spec.lookup_choices:
                    if pk not in visible:
                        offered_elsewhere.append(f"{username} {url} {spec.field_path}: {label}")
    assert offered_elsewhere == []
    assert checked >= 10


def test_isfahan_staff_are_not_offered_karaj_in_the_cohort_filters(client, demo_once):
    client.force_login(get_user_model().objects.get(username="staff.isfahan"))
    for name in ("programs_cohort", "programs_cohortsession"):
        page = client.get(reverse(f"admin:{name}_changelist")).content.decode()
        assert "کرج" not in page, name
