"""Insight panels on the workspace: open hot-spot warnings for area staff, the annual points for organizations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for
from gongzhi.core.workspace import Panel, register_panel
from gongzhi.insights.selectors import warning_list
from gongzhi.orgs.models import Organization

STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)


def _staff(request: HttpRequest) -> dict[str, Any]:
    return {"warnings": warning_list(request.user).count()}


def _org(request: HttpRequest) -> dict[str, Any]:
    ids = grants_for(request.user).organization_ids()
    return {
        "year": timezone.localdate().year - 1,
        "orgs": list(Organization.objects.filter(pk__in=ids).order_by("pk").values("pk", "name")),
    }


register_panel(Panel("insights/_panel_staff.html", STAFF, _staff, order=60))
register_panel(Panel("insights/_panel_org.html", (Role.ORG_ADMIN, Role.ORG_MEMBER), _org, order=60))
