"""The grid panel on the workspace of grid, community and street staff: open events per grid, today's patrols."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from gongzhi.accounts.models import Role
from gongzhi.core.workspace import Panel, register_panel
from gongzhi.grid import selectors
from gongzhi.grid.models import EventState

OPEN = (EventState.REPORTED, EventState.HANDLING, EventState.RESOLVED)
STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF)


def _context(request: HttpRequest) -> dict[str, Any]:
    by_grid = list(
        selectors.events(request.user)
        .order_by()
        .values("grid__code", "grid__name")
        .annotate(open=Count("id", filter=Q(state__in=OPEN)), waiting=Count("id", filter=Q(state=EventState.REPORTED)))
        .filter(open__gt=0)
        .order_by("grid__code")
    )
    return {"event_grids": by_grid, "open_events": sum(r["open"] for r in by_grid)}


register_panel(Panel("grid/_panel.html", STAFF, _context, order=55))
