"""Workspace panels: the register's to-do list for staff, and each organization's own status."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for, restrict
from gongzhi.core.workspace import Panel, register_panel
from gongzhi.orgs import selectors as sel
from gongzhi.orgs.models import Organization, OrgStatus
from gongzhi.orgs.policies import FILING_STAFF


def _registry_context(request: HttpRequest) -> dict[str, Any]:
    registry = restrict(Organization.objects.all(), request.user, "registry")
    return {
        "to_review": sel.reports_to_review(request.user).count(),
        "incubating": registry.filter(status=OrgStatus.INCUBATING).count(),
        "troubled": registry.filter(status__in=(OrgStatus.ABNORMAL, OrgStatus.SUSPENDED)).count(),
        "bookings": sel.bookings_to_decide(request.user).count(),
    }


def _org_context(request: HttpRequest) -> dict[str, Any]:
    grants = grants_for(request.user)
    admin_of = grants.organization_ids(Role.ORG_ADMIN)
    orgs = restrict(Organization.objects.all(), request.user, "record").filter(pk__in=grants.organization_ids())
    return {
        "orgs": [{"org": o, "issues": sel.org_issues(o), "admin": o.pk in admin_of} for o in orgs],
        "bookings": sel.bookings_to_decide(request.user).count(),
    }


register_panel(Panel("orgs/_panel_registry.html", (*FILING_STAFF, Role.ADMIN), _registry_context, order=40))
register_panel(Panel("orgs/_panel_org.html", (Role.ORG_ADMIN, Role.ORG_MEMBER), _org_context, order=40))
# Loaded by HTMX after the page: ranking the hall costs a few aggregate queries the workspace need not wait for.
register_panel(Panel("orgs/lists/_panel_suggested.html", (Role.ORG_ADMIN, Role.ORG_MEMBER), order=3))
