"""`GET /api/v1/<list>/sync/?updated_since=<cursor>`: what changed in a list since the
client's last sync, deletions included, for the lists a mobile client keeps offline.

    first sync:  GET /api/v1/attendance/sync/                       (no cursor: everything)
    answer:      {"results": [...], "tombstones": [{"id": 7, "deleted": true, ...}],
                  "next_cursor": "…", "has_more": false}
    later:       GET /api/v1/attendance/sync/?updated_since=<next_cursor>

While `has_more` is true the client asks again at once with `next_cursor`; once it is
false it keeps `next_cursor` for its next sync. Rows come in the caller's scope, as the
list shows them; tombstones only of rows the caller could see (centres/sync.py). A row
may come twice (a later change, or a window narrowed on a lagging replica): the client
keeps the last copy by id. The versions, windows and why nothing is missed:
centres/sync.py.

The cursor is opaque: a signed, version-tagged value (a forged or garbled one is a 400
`invalid_cursor` in the one error shape), tied to its list.
"""

from django.core import signing
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from centres import sync
from centres.scope import scope_for

from .serializers import TombstoneSerializer

CURSOR_FORMAT = 1
_SALT = "empowerment.api.sync"
DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 500


def dump_cursor(window: sync.Window, list_name: str) -> str:
    upper = window.upper
    value = [
        CURSOR_FORMAT,
        window.since.xmax,
        list(window.since.in_flight),
        upper.xmax if upper else None,
        list(upper.in_flight) if upper else None,
        *(window.items or (None, None)),
        *(window.tombstones or (None, None)),
    ]
    return signing.dumps(value, salt=f"{_SALT}:{list_name}", compress=True)


def _invalid():
    return ValidationError(
        {"updated_since": [_("This sync cursor is not one the server gave; sync from the start.")]},
        code="invalid_cursor",
    )


def _ints(values, *, nullable=False) -> bool:
    return all(
        (v is None and nullable) or (isinstance(v, int) and not isinstance(v, bool)) for v in values
    )


def load_cursor(text: str, list_name: str) -> sync.Window:
    try:
        value = signing.loads(text, salt=f"{_SALT}:{list_name}")
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise _invalid() from exc
    if not (isinstance(value, list) and len(value) == 9 and value[0] == CURSOR_FORMAT):
        raise _invalid()
    _format, since, since_flight, upper, upper_flight, *positions = value
    if not (
        _ints([since])
        and isinstance(since_flight, list)
        and _ints(since_flight)
        and _ints([upper], nullable=True)
        and (upper_flight is None or (isinstance(upper_flight, list) and _ints(upper_flight)))
        and (upper is None) is (upper_flight is None)
        and _ints(positions, nullable=True)
    ):
        raise _invalid()
    item_version, item_id, tomb_version, tomb_id = positions
    return sync.Window(
        sync.Snapshot.of(since, since_flight),
        sync.Snapshot.of(upper, upper_flight) if upper is not None else None,
        (item_version, item_id) if item_id is not None and item_version is not None else None,
        (tomb_version, tomb_id) if tomb_id is not None and tomb_version is not None else None,
    )


def _page_size(request) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return DEFAULT_PAGE_SIZE
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError(
            {"page_size": [_("A whole number from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE}]},
            code="invalid",
        )
    return int(raw)


UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.STR,
    description=(
        "The `next_cursor` of the previous sync answer (opaque). Left out: a first sync, "
        "from the beginning. A cursor the server did not give is a 400 `invalid_cursor`."
    ),
)
PAGE_SIZE = OpenApiParameter(
    "page_size",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    description=f"Rows (and tombstones) per answer, at most {MAX_PAGE_SIZE}.",
)


class SyncMixin:
    """Adds `sync/` to a scoped list (centres/api/base/views.py): rows of the list's queryset
    (its scope, its joins, its serializer) changed within the cursor's window, and the
    tombstones of rows deleted. Four queries whatever the number of rows: the caller's
    roles, the database's snapshot, the rows, the tombstones (none on a first sync)."""

    @extend_schema(
        summary="What changed since the last sync (rows and deletions)",
        description=__doc__,
        parameters=[UPDATED_SINCE, PAGE_SIZE],
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def sync(self, request):
        list_name = self.basename
        raw = request.query_params.get("updated_since", "")
        window = load_cursor(raw, list_name) if raw else sync.Window()
        size = _page_size(request)
        model = self.queryset.model
        scope = scope_for(request.user)
        # The snapshot before the rows: what is done in it is visible to the reads that
        # follow, whatever commits in between (that is read next time).
        window = window.narrowed(sync.current_snapshot())
        rows = list(sync.changed(self.get_queryset(), window)[: size + 1])
        # A first sync has nothing to delete: no tombstones (nor their query).
        first = window.since == sync.Snapshot()
        gone = [] if first else list(sync.tombstones(model, scope, window)[: size + 1])
        more = len(rows) > size or len(gone) > size
        rows, gone = rows[:size], gone[:size]
        last_row = _position(rows[-1]) if rows else None
        last_gone = (gone[-1].version, gone[-1].id) if gone else None
        answer = {
            "results": self.get_serializer(rows, many=True).data,
            "tombstones": TombstoneSerializer(gone, many=True).data,
            "next_cursor": dump_cursor(window.next(last_row, last_gone, more), list_name),
            "has_more": more,
        }
        return Response(answer)


def _position(row) -> tuple[int, int]:
    if isinstance(row, dict):
        return row[sync.POSITION], row["id"]
    return getattr(row, sync.POSITION), row.pk
