"""The one permission chokepoint.

Every list, detail, export and aggregate is filtered by :func:`restrict`; single objects are
checked with :func:`can` (or fetched with :func:`get_for`, which answers 404 to an outsider).
A model takes part by registering a :class:`Policy` that turns a user's grants into a filter for
an action. An action no policy grants matches nothing: the default is to deny.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models import Q, QuerySet

from gongzhi.accounts.models import Grant, Role
from gongzhi.core.errors import NotFound
from gongzhi.core.rows import columns, model_from_row, table

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Scope:
    role: str
    area_id: int | None
    area_path: str | None
    organization_id: int | None
    department_id: int | None


class Grants:
    """A user's grants, loaded once per request and cached on the user object."""

    def __init__(self, user: Any, scopes: list[Scope], areas: dict[str, Any] | None = None) -> None:
        self.user = user
        self.scopes = scopes
        self.areas: dict[str, Any] = areas or {}  # path → the granted Area (read with the grants)
        self._area_ids: dict[tuple[str, ...], list[int]] = {}

    @property
    def authenticated(self) -> bool:
        # A deactivated account keeps is_authenticated; it must not pass "the user's own rows" rules.
        return bool(getattr(self.user, "is_authenticated", False) and getattr(self.user, "is_active", False))

    @property
    def is_admin(self) -> bool:
        return bool(getattr(self.user, "is_superuser", False)) or any(s.role == Role.ADMIN for s in self.scopes)

    def roles(self) -> set[str]:
        return {s.role for s in self.scopes}

    def has_role(self, *roles: str) -> bool:
        return any(s.role in roles for s in self.scopes)

    def of(self, *roles: str) -> list[Scope]:
        return [s for s in self.scopes if s.role in roles]

    def area_paths(self, *roles: str) -> list[str]:
        return [s.area_path for s in self.of(*roles) if s.area_path]

    def organization_ids(self, *roles: str) -> set[int]:
        roles = roles or (Role.ORG_ADMIN, Role.ORG_MEMBER)
        return {s.organization_id for s in self.of(*roles) if s.organization_id}

    def department_ids(self) -> set[int]:
        return {s.department_id for s in self.of(Role.DEPT_STAFF) if s.department_id}

    def area_ids(self, *roles: str) -> list[int]:
        """Ids of every area within the subtrees granted with ``roles`` (one query, cached on these grants).

        For tables keyed by area (orders, ledger): ``area_id IN (…)`` lets the database combine the area's
        index with the other branches of a permission filter, where ``area.path LIKE …`` across a join makes
        it read every row — 0.3 s per list at a million orders against 7 ms."""
        paths = tuple(sorted(set(self.area_paths(*roles))))
        if paths not in self._area_ids:
            from gongzhi.areas.models import Area

            subtrees = Area.objects.filter(self.area_q("", *roles)).order_by().values_list("pk", flat=True)
            self._area_ids[paths] = list(subtrees) if paths else []
        return self._area_ids[paths]

    def area_id_q(self, field: str, *roles: str) -> Q:
        """Like :meth:`area_q` for a foreign key to Area, by ids (see :meth:`area_ids`)."""
        return Q(**{f"{field}_id__in": self.area_ids(*roles)})

    def area_q(self, field: str, *roles: str) -> Q:
        """Objects whose area lies within a granted subtree; ``field`` names the related Area ("" for Area itself)."""
        lookup = f"{field}__path__startswith" if field else "path__startswith"
        q = Q(pk__in=[])
        for path in self.area_paths(*roles):
            q |= Q(**{lookup: path})
        return q

    def covers_area(self, area: Any, *roles: str) -> bool:
        return any(area.path.startswith(p) for p in self.area_paths(*roles))


def grants_for(user: Any) -> Grants:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Grants(user, [])
    cached = getattr(user, "_gongzhi_grants", None)
    if cached is not None:
        return cached
    from gongzhi.areas.models import Area

    # Every request that checks anything runs this, so it is one hand-written query: compiling it with the
    # ORM cost more than running it (docs/decisions.md, "The token and the grants…"). The granted areas come
    # along, so that a page about "my district" need not read it again.
    sql = (
        f"SELECT {columns('g', Grant, GRANT_FIELDS)}, {columns('a', Area, AREA_FIELDS)} "  # noqa: S608
        f"FROM {table(Grant)} g "
        f"LEFT JOIN {table(Area)} a ON a.{_q('id')} = g.{_q('area_id')} WHERE g.{_q('user_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        rows = cursor.fetchall()
    scopes, areas = [], {}
    for role, area_id, organization_id, department_id, *area in rows:
        path = None
        if area_id is not None:
            granted = model_from_row(Area, AREA_FIELDS, area)
            path = granted.path
            areas[path] = granted
        scopes.append(Scope(role, area_id, path, organization_id, department_id))
    grants = Grants(user, scopes, areas)
    user._gongzhi_grants = grants
    return grants


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def forget_grants(user: Any) -> None:
    if hasattr(user, "_gongzhi_grants"):
        del user._gongzhi_grants


GRANT_FIELDS = ("role", "area_id", "organization_id", "department_id")
# Every field of Area: the granted areas are whole rows, as the ORM would load them.
AREA_FIELDS = ("id", "path", "code", "name", "short_name", "level", "parent_id", "depth", "created_at")

PolicyRule = Callable[[Grants], Q | None]


class Policy:
    """Per model: ``rules[action](grants)`` returns the filter of what the user may do, or None for nothing.

    Admins pass every rule unless ``admin_all`` is False for the action.
    """

    rules: dict[str, PolicyRule] = {}
    admin_all: bool = True

    def q(self, grants: Grants, action: str) -> Q | None:
        rule = self.rules.get(action)
        if grants.is_admin and self.admin_all:
            return Q()
        if rule is None:
            return None
        return rule(grants)


_registry: dict[type[models.Model], Policy] = {}


def register(model: type[models.Model]) -> Callable[[type[Policy]], type[Policy]]:
    def wrap(policy_cls: type[Policy]) -> type[Policy]:
        _registry[model] = policy_cls()
        return policy_cls

    return wrap


def policy_for(model: type[models.Model]) -> Policy:
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"No permission policy registered for {model._meta.label}") from None


def restrict[M: models.Model](queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
    """Only the rows of ``queryset`` that ``user`` may ``action``."""
    q = policy_for(queryset.model).q(grants_for(user), action)
    return queryset.none() if q is None else queryset.filter(q)


def can(user: Any, action: str, obj: models.Model) -> bool:
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def get_for[M: models.Model](queryset: QuerySet[M], user: Any, action: str, **lookup: Any) -> M:
    """The object, if the user may ``action`` it; otherwise :class:`NotFound` (no leak of its existence)."""
    obj = restrict(queryset, user, action).filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj
