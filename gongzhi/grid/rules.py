"""Who stands in which relation to a grid event: the relations the event state machine names."""

from __future__ import annotations

from typing import Any

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for
from gongzhi.grid.models import GridEvent


def is_grid_worker(actor: Any, event: GridEvent) -> bool:
    return grants_for(actor).covers_area(event.grid, Role.GRID_WORKER)


def is_area_staff(actor: Any, event: GridEvent) -> bool:
    grants = grants_for(actor)
    return grants.is_admin or grants.covers_area(event.grid, Role.COMMUNITY_WORKER, Role.STREET_STAFF)


def is_handler(actor: Any, event: GridEvent) -> bool:
    return bool(getattr(actor, "pk", None)) and event.handler_id == actor.pk
