"""Scope: the one mechanism that decides which rows a signed-in person may see.

Every person acts within a scope given by their staff roles: a centre, a headquarters, a
partner organisation, a city or a province (or everything, for administrators). Scoped
models get their manager from `ScopedQuerySet` and declare, per kind of scope, the lookup
path from the row to that scope. `Model.objects.visible_to(user)` is then used by the
admin, the API and the dashboards alike; nothing filters by scope any other way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q

SCOPE_KINDS = ("centre", "headquarters", "partner", "city", "province")


@dataclass(frozen=True)
class Scope:
    """What one person may see. Built once per user object and cached on it."""

    is_global: bool = False
    user_id: int | None = None
    centre: frozenset[int] = field(default_factory=frozenset)
    headquarters: frozenset[int] = field(default_factory=frozenset)
    partner: frozenset[int] = field(default_factory=frozenset)
    city: frozenset[int] = field(default_factory=frozenset)
    province: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    # Which ids came from which role: {"reviewer": {"centre": {3}}, ...}. The merged sets
    # above are enough for most models; a model whose rows a role reaches more narrowly than
    # its scope (a reviewer sees only the ideas of the calls they review, not every idea of
    # their centre) reads this instead, in its own `scope_condition`.
    by_role: dict[str, dict[str, frozenset[int]]] = field(
        default_factory=dict, hash=False, compare=False
    )

    def ids(self, kind: str) -> frozenset[int]:
        return getattr(self, kind)

    def role_ids(self, kind: str, *, roles=None, exclude=()) -> frozenset[int]:
        """The ids of `kind` reached through the given roles (all roles but `exclude`)."""
        ids: set[int] = set()
        for role, kinds in self.by_role.items():
            if role in exclude or (roles is not None and role not in roles):
                continue
            ids |= kinds.get(kind, frozenset())
        return frozenset(ids)

    @property
    def is_empty(self) -> bool:
        return not self.is_global and not any(self.ids(kind) for kind in SCOPE_KINDS)

    def has_role(self, *roles: str) -> bool:
        return self.is_global or bool(self.roles.intersection(roles))


# StaffRole.Role.ADMINISTRATOR (the models import this module, so it names the value).
ADMINISTRATOR = "administrator"

NO_SCOPE = Scope()
_CACHE_ATTR = "_empowerment_scope"


def scope_for(user) -> Scope:
    """The scope of a user, from their active staff roles (one query, cached on the user).

    A headquarters role also reaches the HQ's area (a provincial HQ official sees the
    province, a city HQ the city) so that they can read what happens there.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(is_global=True, user_id=user.pk, roles=frozenset({ADMINISTRATOR}))
    else:
        sets: dict[str, set[int]] = {kind: set() for kind in SCOPE_KINDS}
        per_role: dict[str, dict[str, set[int]]] = {}
        roles: set[str] = set()
        is_global = False
        rows = (
            # The model through the user's reverse relation: the models import this module,
            # so it cannot import them. (Not the related manager itself: with `only()` it
            # would fetch each row's user_id again.)
            user.staff_roles.model.objects.filter(user=user, is_active=True)
            .select_related("headquarters")
            .only(
                "role",
                "centre_id",
                "headquarters_id",
                "partner_id",
                "city_id",
                "province_id",
                "headquarters__level",
                "headquarters__city_id",
                "headquarters__province_id",
            )
        )
        for role in rows:
            roles.add(role.role)
            if role.role == ADMINISTRATOR:
                is_global = True
            mine = per_role.setdefault(role.role, {kind: set() for kind in SCOPE_KINDS})
            for kind in SCOPE_KINDS:
                value = getattr(role, f"{kind}_id")
                if value:
                    sets[kind].add(value)
                    mine[kind].add(value)
            hq = role.headquarters
            if hq is not None:
                if hq.level == hq.Level.NATIONAL:
                    is_global = True
                elif hq.level == hq.Level.PROVINCIAL and hq.province_id:
                    sets["province"].add(hq.province_id)
                    mine["province"].add(hq.province_id)
                elif hq.level == hq.Level.CITY and hq.city_id:
                    sets["city"].add(hq.city_id)
                    mine["city"].add(hq.city_id)
        scope = Scope(
            is_global=is_global,
            user_id=user.pk,
            roles=frozenset(roles),
            by_role={
                role: {kind: frozenset(ids) for kind, ids in kinds.items()}
                for role, kinds in per_role.items()
            },
            **{kind: frozenset(ids) for kind, ids in sets.items()},
        )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope after the user's roles changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


class ScopedQuerySet(models.QuerySet):
    """Base queryset of every scoped model.

    Subclasses set `scope_paths`: for each scope kind, the lookup (or lookups) from the row
    to the id of that kind, e.g. `{"centre": "centre", "city": "centre__city"}`. A kind that
    is not listed gives no access through it. `"self"` maps to the user who owns a row (a
    resident's own record). Paths through a many-valued relation are wrapped in a subquery
    so that no row is repeated.
    """

    scope_paths: dict[str, str | tuple[str, ...]] = {}
    # Rows about residents as people (names, national codes, mobiles): opening, searching
    # or exporting them leaves an access record (empowerment.kernel.privacy).
    holds_personal_data: bool = False

    def visible_to(self, user) -> ScopedQuerySet:
        scope = user if isinstance(user, Scope) else scope_for(user)
        if scope.is_global:
            return self.all()
        condition = self.scope_condition(scope)
        if condition is None:
            return self.none()
        return self.filter(condition)

    # Roles whose scope does not open this model at all (a reviewer's centre does not open
    # the centre's trainee registry): their ids are left out, the other roles' still count.
    excluded_roles: tuple[str, ...] = ()

    def scope_condition(self, scope: Scope, scope_paths: dict | None = None) -> Q | None:
        # `scope_paths` lets a model ask a narrower question through the same rules (which
        # trainees were *registered* in the scope, not merely enrolled there).
        condition: Q | None = None
        for kind, paths in (self.scope_paths if scope_paths is None else scope_paths).items():
            if kind == "self":
                ids = {scope.user_id} if scope.user_id else set()
            elif self.excluded_roles:
                ids = scope.role_ids(kind, exclude=self.excluded_roles)
            else:
                ids = scope.ids(kind)
            if not ids:
                continue
            for path in (paths,) if isinstance(paths, str) else paths:
                part = self._path_condition(path, ids)
                condition = part if condition is None else condition | part
        return condition

    def _path_condition(self, path: str, ids) -> Q:
        if path in ("id", "pk"):
            return Q(pk__in=ids)
        if is_many_valued(self.model, path):
            first, _sep, rest = path.partition("__")
            relation = self.model._meta.get_field(first)
            if relation.one_to_many and rest and relation.field.target_field.primary_key:
                # Start from the related table (enrolments__cohort__centre: the trainee ids
                # of the centre's enrolments), not from this model joined to itself, which
                # made PostgreSQL scan the whole table for every query.
                matching = relation.related_model._base_manager.filter(
                    **{f"{rest}__in": ids}
                ).values(relation.field.attname)
            else:
                matching = self.model._base_manager.filter(**{f"{path}__in": ids}).values("pk")
            return Q(pk__in=matching)
        return Q(**{f"{path}__in": ids})


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def is_many_valued(model, path: str) -> bool:
    """Whether a lookup path from `model` crosses a to-many relation (so a plain filter on
    it would repeat rows): such paths are filtered through a subquery of ids instead. The
    scope (visible_to) and the dashboards' filters both ask."""
    for name in path.split("__"):
        try:
            model_field = model._meta.get_field(name)
        except Exception:
            return False
        if model_field.many_to_many or model_field.one_to_many:
            return True
        if not model_field.is_relation:
            return False
        model = model_field.related_model
    return False
