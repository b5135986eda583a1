"""Who may see patrols: the worker who walked, and the community and street staff of the grid."""

from __future__ import annotations

from django.db.models import Q

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import Grants, Policy, register
from gongzhi.grid.models import Finding, GridEvent, Patrol

STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)


def _view(prefix: str) -> object:
    def rule(g: Grants) -> Q | None:
        if not g.authenticated:
            return None
        return Q(**{f"{prefix}worker_id": g.user.pk}) | g.area_id_q(f"{prefix}grid", *STAFF)

    return rule


@register(Patrol)
class PatrolPolicy(Policy):
    rules = {"view": _view("")}  # type: ignore[dict-item]


@register(Finding)
class FindingPolicy(Policy):
    rules = {"view": _view("patrol__")}  # type: ignore[dict-item]


@register(GridEvent)
class GridEventPolicy(Policy):
    rules = {"view": lambda g: g.area_id_q("grid", *STAFF) if g.authenticated and g.has_role(*STAFF) else None}
