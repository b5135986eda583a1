"""Demo patrols and events in the 兴普 and 文康 grids (skipped when the demo runs without history, as in tests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core.demo import COMMUNITY_WK, COMMUNITY_XP, demo_step
from gongzhi.grid import services
from gongzhi.grid.models import GridEvent, GridEventStep, Patrol
from gongzhi.orders.models import Category

XP1_PATROLS = [
    ("兴普小区东门—1幢—3幢—菜场", ["3幢门口窨井盖松动", "1幢楼道堆放纸箱", "菜场东侧路灯不亮"]),
    ("兴普小区西门—5幢—健身点", ["健身点单杠锈蚀", "5幢两户因漏水起争执"]),
]
CATEGORIES = {
    "窨井": "property_repair",
    "纸箱": "sanitation",
    "路灯": "property_repair",
    "单杠": "property_repair",
    "争执": "mediation_neighbour",
}
OTHERS = [
    (COMMUNITY_XP, "兴普二网格", "2幢外墙瓷砖脱落", "property_repair"),
    (COMMUNITY_XP, "兴普三网格", "垃圾分类点满溢", "sanitation"),
    (COMMUNITY_WK, "文康一网格", "文康花园 8 幢电动车楼道充电", "property_repair"),
    (COMMUNITY_WK, "文康二网格", "邻里噪音纠纷", "mediation_neighbour"),
]


@demo_step(75, "grid")
def _grid(system: Any, state: dict[str, Any]) -> None:
    if not state.get("history", True) or Patrol.objects.exists() or GridEvent.objects.exists():
        return
    worker = User.objects.get(username="grid_xp1")
    staff = User.objects.get(username="street_dg")
    for route, findings in XP1_PATROLS:
        patrol = services.patrol_record(actor=worker, grid="330903003005-001", route_notes=route, findings=findings)
        for finding in patrol.findings.all():
            code = next(c for key, c in CATEGORIES.items() if key in finding.text)
            event = services.finding_to_event(actor=worker, finding_id=finding.pk, category=code, title=finding.text)
            if "窨井" in finding.text:
                services.event_act(actor=worker, event_id=event.pk, action="take")
    now = timezone.now()
    for community, grid_name, title, code in OTHERS:
        grid = Area.objects.get(parent__code=community, name=grid_name)
        event = GridEvent.objects.create(
            grid=grid,
            community=Area.objects.get(code=community),
            category=Category.objects.get(code=code),
            title=title,
            reported_by=staff,
            created_at=now - timedelta(days=2),
        )
        GridEventStep.objects.create(
            event=event, action="reported", to_state=event.state, actor=staff, note=title, at=event.created_at
        )
