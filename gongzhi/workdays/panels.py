"""The admin's workspace warning when the holiday schedule of this or next year is missing.

Shown from November, when the State Council usually publishes next year's schedule and order
deadlines start to reach into it (and at any time if the current year is missing).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from gongzhi.accounts.models import Role
from gongzhi.core.workspace import Panel, register_panel
from gongzhi.workdays.selectors import CHINA, missing_upcoming_years

WARN_FROM_MONTH = 11


def calendar_warning(request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate(timezone=CHINA)
    missing = [y for y in missing_upcoming_years(today) if y == today.year or today.month >= WARN_FROM_MONTH]
    return {"missing_years": missing, "current_year_missing": today.year in missing}


register_panel(Panel("workdays/panel_calendar.html", (Role.ADMIN,), calendar_warning, order=20))
