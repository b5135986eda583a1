"""Template context shared by every page: navigation, role, elder mode, worker health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for
from gongzhi.accounts.selectors import primary_role
from gongzhi.core.navigation import nav_for, pages_for
from gongzhi.notify.selectors import unread_count


def worker_stalled() -> bool:
    """True when runnable tasks have waited over two minutes: the task worker is probably not running.

    A task deferred with ``run_after`` (a retry in 25 minutes) only counts from when it became due.
    """
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    cutoff = timezone.now() - timedelta(minutes=2)
    due_long_ago = Q(run_after=get_date_max(), enqueued_at__lt=cutoff) | Q(run_after__lt=cutoff)
    return DBTaskResult.objects.filter(due_long_ago, status="READY").exists()


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    elder = bool(getattr(request, "elder_mode", False))
    if user is None or not user.is_authenticated:
        return {"elder_mode": elder, "nav": [], "primary_role": None, "pages": set()}
    grants = grants_for(user)
    role = primary_role(user)
    roles = grants.roles() | ({Role.ADMIN.value} if grants.is_admin else set())
    ctx: dict[str, Any] = {
        "elder_mode": elder,
        "nav": nav_for(roles, elder=elder),
        "pages": pages_for(roles),
        "primary_role": role,
        "primary_role_label": Role(role).label if role else "",
    }
    ctx["unread_count"] = unread_count(user)
    if grants.is_admin:
        ctx["worker_stalled"] = worker_stalled()
    return ctx
