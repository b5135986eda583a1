"""Reads for the grid worker's phone pages, through the permission chokepoint."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import get_for, grants_for, restrict
from gongzhi.areas.models import Area, Level
from gongzhi.grid.models import GridEvent, Patrol


def my_grids(user: Any) -> QuerySet[Area]:
    ids = [s.area_id for s in grants_for(user).of(Role.GRID_WORKER) if s.area_id]
    return Area.objects.filter(pk__in=ids, level=Level.GRID).order_by("code")


def patrols(user: Any) -> QuerySet[Patrol]:
    return restrict(Patrol.objects.all(), user, "view").select_related("grid").prefetch_related("findings")


def patrol(user: Any, patrol_id: int) -> Patrol:
    return get_for(Patrol.objects.select_related("grid", "worker"), user, "view", pk=patrol_id)


def events(user: Any) -> QuerySet[GridEvent]:
    return (
        restrict(GridEvent.objects.all(), user, "view")
        .select_related("grid", "category", "handler")
        .order_by("-created_at", "-id")
    )
