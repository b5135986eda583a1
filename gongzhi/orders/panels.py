"""Order panels on each role's workspace: what waits for the person, in one or two counting queries.

Residents see their latest needs under a big "我要点单" button; organizations the hall and their orders;
community and street staff what is overdue or waiting; departments their forwarded cases.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for
from gongzhi.core.workspace import Panel, register_panel
from gongzhi.orders import selectors
from gongzhi.orders.models import STATE_BADGE, State

RECENT = 3
STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS, Role.ADMIN)
SUPERVISORS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
DISPATCHERS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS, Role.DEPT_STAFF)


def _count(**filters: Any) -> Count:
    return Count("id", filter=Q(**filters))


def resident(request: HttpRequest) -> dict[str, Any]:
    recent = list(selectors.order_list(request.user, mine=True)[:RECENT])
    for o in recent:
        o.badge = STATE_BADGE.get(o.state, "")
    return {"recent": recent}


def organization(request: HttpRequest) -> dict[str, Any]:
    orgs = grants_for(request.user).organization_ids()
    counts = (
        selectors.order_list(request.user)
        .filter(org_id__in=orgs)
        .order_by()
        .aggregate(
            dispatched=_count(state=State.PENDING),
            in_hand=_count(state=State.ACCEPTED),
            overdue=Count("id", filter=selectors.overdue_q()),
        )
    )
    return {"hall_count": selectors.hall(request.user).count(), "counts": counts}


def staff(request: HttpRequest) -> dict[str, Any]:
    grants = grants_for(request.user)
    counts = (
        selectors.order_list(request.user)
        .order_by()
        .aggregate(
            waiting=_count(state=State.PENDING),
            rejected=_count(state=State.REJECTED),
            overdue=Count("id", filter=selectors.overdue_q()),
        )
    )
    return {
        "counts": counts,
        "supervisor": grants.is_admin or grants.has_role(*SUPERVISORS),
        "dispatcher": grants.is_admin or grants.has_role(*DISPATCHERS),
    }


def department(request: HttpRequest) -> dict[str, Any]:
    counts = (
        selectors.forwarded_inbox(request.user)
        .order_by()
        .aggregate(
            forwarded=_count(state=State.FORWARDED),
            signed=_count(state=State.SIGNED),
            overdue=Count("id", filter=selectors.overdue_q()),
        )
    )
    return {"counts": counts}


register_panel(Panel("orders/panels/resident.html", (Role.RESIDENT,), resident, order=1))
register_panel(Panel("orders/panels/org.html", (Role.ORG_ADMIN, Role.ORG_MEMBER), organization, order=2))
register_panel(Panel("orders/panels/staff.html", STAFF, staff, order=2))
register_panel(Panel("orders/panels/dept.html", (Role.DEPT_STAFF,), department, order=2))
