"""Reads for accounts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongzhi.accounts.models import ApiToken, Role
from gongzhi.accounts.permissions import grants_for, restrict


def tokens_for(user: Any) -> QuerySet[ApiToken]:
    return restrict(ApiToken.objects.all(), user, "view").order_by("-created_at")


def roles_of(user: Any) -> list[dict[str, Any]]:
    """The user's grants as displayable rows: role code and label, and the scope's name."""
    from gongzhi.accounts.models import Grant

    rows = []
    for g in Grant.objects.filter(user=user).select_related("area", "organization", "department").order_by("role"):
        scope = g.organization or g.department or g.area
        rows.append(
            {
                "role": g.role,
                "role_label": str(Role(g.role).label),
                "scope": str(scope) if scope else "",
                "area": g.area.code if g.area else None,
                "organization": g.organization_id,
                "department": g.department_id,
            }
        )
    return rows


def primary_role(user: Any) -> str | None:
    """The role whose workspace the user lands on, by the order of responsibility."""
    order = [
        Role.ADMIN,
        Role.CIVIL_AFFAIRS,
        Role.STREET_STAFF,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.DEPT_STAFF,
        Role.ORG_ADMIN,
        Role.ORG_MEMBER,
        Role.EXPERT,
        Role.RESIDENT,
    ]
    roles = grants_for(user).roles()
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    return next((r.value for r in order if r in roles), None)
