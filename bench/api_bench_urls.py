"""The benchmark server's URLs: the project's, plus a bare Django view that answers the
same 50 trainees as GET /api/v1/trainees/?page_size=50, through the same JWT sign-in and
the same scope, with none of DRF (no serializer, filters, pagination or throttles)."""

import json

from django.http import HttpResponse, JsonResponse
from django.urls import path
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from empowerment.kernel.jalali import iso_jalali
from empowerment.urls import urlpatterns as project_urlpatterns
from trainees.api.serializers import TraineeSerializer
from trainees.models import Trainee

# The columns the real list reads, so the bare baseline reads the same.
FIELDS = TraineeSerializer.LIST_ONLY
_auth = JWTAuthentication()


def bare_trainees(request):
    try:
        found = _auth.authenticate(request)
    except InvalidToken:
        found = None
    if found is None:
        return JsonResponse({"detail": "not signed in"}, status=401)
    user, _token = found
    rows = Trainee.objects.visible_to(user).order_by("-id").values_list(*FIELDS)[:50]
    results = []
    for row in rows:
        item = dict(zip(FIELDS, row, strict=True))
        born = item["birth_date"]
        item["full_name"] = f"{item['first_name']} {item['last_name']}"
        item["birth_date"] = born.togregorian().isoformat() if born else None
        item["birth_date_jalali"] = iso_jalali(born)
        item["created_at"] = item["created_at"].isoformat()
        results.append(item)
    body = json.dumps({"next": None, "previous": None, "results": results}, ensure_ascii=False)
    return HttpResponse(body, content_type="application/json")


urlpatterns = [path("bench/bare-trainees/", bare_trainees), *project_urlpatterns]
