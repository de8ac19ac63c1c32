"""The OpenAPI schema generator: every operation lists the error answers it can give.

Which errors an operation may answer follows from what it is, so no endpoint has to
remember to declare them:

- 401 always (a missing, expired or malformed token is refused on any endpoint);
- 429 always (every endpoint is throttled);
- 400 on writes and on lists with filters (a bad filter value is refused);
- 403 on writes (CSRF under session auth, model permissions) and wherever a view's
  permissions go beyond "signed in";
- 404 on operations with a path parameter (another centre's row is a 404) and on paginated
  lists (a page past the end);
- 409 on writes to models (a unique or protected row);
- 400 on a list's `sync/` (a cursor the server did not give).

A view may add more through `extra_error_statuses = (409,)`.
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions

from centres.api.base.serializers import ErrorSerializer, answer_serializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input: `errors` has the messages per field.",
    401: "Not signed in, or the token is invalid or expired.",
    403: "Signed in but not allowed to do this (or the CSRF check of a session failed).",
    404: "Not found, or not in the caller's scope.",
    409: "Conflicts with existing data (a duplicate, or rows that depend on this one).",
    429: "Too many requests (throttled), or sign-in locked after repeated failures.",
}
_SAFE = ("GET", "HEAD", "OPTIONS")
_PLAIN_PERMISSIONS = (permissions.AllowAny, permissions.IsAuthenticated)


class AutoSchema(openapi.AutoSchema):
    def error_statuses(self) -> set[int]:
        codes = {401, 429}
        unsafe = self.method not in _SAFE
        view = self.view
        if unsafe:
            codes |= {400, 403}
        if any(
            not isinstance(permission, _PLAIN_PERMISSIONS) for permission in view.get_permissions()
        ):
            codes.add(403)
        if "{" in self.path:
            codes.add(404)
        if self._is_list_view() and self.method == "GET":
            if getattr(view, "filter_backends", None):
                codes.add(400)
            if getattr(view, "pagination_class", None):
                codes.add(404)
        if unsafe and getattr(view, "queryset", None) is not None:
            codes.add(409)
        if self._is_sync():
            codes.add(400)
        codes |= set(getattr(view, "extra_error_statuses", ()))
        return codes

    def _is_sync(self) -> bool:
        return getattr(self.view, "action", None) == "sync" and self.method == "GET"

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        if self._is_sync():
            return operation_id.removesuffix("_retrieve")  # trainees_sync
        return operation_id

    def get_response_serializers(self):
        # A list's sync answers its rows, tombstones and the next cursor (centres/api/base/sync.py).
        if self._is_sync():
            return answer_serializer(self.view.get_serializer_class())
        return super().get_response_serializers()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in sorted(self.error_statuses()):
            responses.setdefault(
                str(code),
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]),
                    str(code),
                    direction=direction,
                ),
            )
        return responses

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        # Personal details (PersonalDetailsMixin) are left out of the answer for callers
        # who get none: the schema says they may be absent, as they are.
        personal = getattr(getattr(serializer, "Meta", None), "personal_fields", ())
        if personal and direction == "response" and "required" in schema:
            optional = {*personal, *(f"{name}_jalali" for name in personal)}
            schema["required"] = [name for name in schema["required"] if name not in optional]
            for name in optional & set(schema.get("properties", {})):
                schema["properties"][name]["description"] = (
                    schema["properties"][name].get("description", "")
                    + " Left out for callers who see no personal details (council members,"
                    " viewers)."
                ).strip()
            if not schema["required"]:
                del schema["required"]
        return schema


def untitled_parameters(result, generator, request, public):
    """A postprocessing hook: no `title` on any schema (parameters, properties, items).

    django-filter and DRF give each query parameter and field its label as the schema's
    title (Persian under the default language), and client generators name enum and
    inline types after titles (`TraineesListمیزانتحصیلات`). Without them they name types
    from the operation, parameter and property names: ASCII and the same in every
    language. The label stays as the translated `description` where there is none."""

    def strip(node, *, names: bool = False):
        # `names`: a map whose keys are names (properties, schemas, paths, responses...),
        # where a key "title" is a property called title, not a schema's title.
        if isinstance(node, dict):
            if not names and isinstance(node.get("title"), str):
                title = node.pop("title")
                if title and "description" not in node:
                    node["description"] = title
            for key, value in node.items():
                strip(value, names=not names and key in NAME_MAPS)
        elif isinstance(node, list):
            for value in node:
                strip(value)

    strip(result.get("paths", {}), names=True)
    strip(result.get("components", {}), names=True)
    return result


# Keys of an OpenAPI document whose value maps names to objects.
NAME_MAPS = {
    "properties",
    "patternProperties",
    "schemas",
    "responses",
    "parameters",
    "securitySchemes",
    "headers",
    "content",
    "examples",
    "links",
    "callbacks",
    "requestBodies",
    "encoding",
    "mapping",
}
