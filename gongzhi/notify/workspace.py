"""The "消息" panel on every role's workspace: the latest unread notifications, one tap away."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gongzhi.accounts.models import Role
from gongzhi.core.workspace import Panel, register_panel
from gongzhi.notify.selectors import notifications_for, unread_count

PANEL_ITEMS = 3


def _context(request: HttpRequest) -> dict[str, Any]:
    return {
        "notes": list(notifications_for(request.user, unread=True)[:PANEL_ITEMS]),
        "unread": unread_count(request.user),
    }


register_panel(Panel("notify/_panel.html", tuple(Role.values), _context, order=10))
