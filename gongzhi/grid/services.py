"""Writes of grid patrols: record a patrol with its findings; turn a finding into an order (channel patrol)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import get_for, grants_for
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.grid.models import Finding, Patrol
from gongzhi.orders.services import order_create


def patrol_record(*, actor: Any, grid: str, route_notes: str = "", findings: list[str]) -> Patrol:
    """A grid worker records a patrol of one of their grids, with what they found (at most 10 findings)."""
    area = Area.objects.filter(code=(grid or "").strip(), level=Level.GRID).first()
    if area is None or not grants_for(actor).covers_area(area, Role.GRID_WORKER):
        raise NotFound(_("找不到该网格，或您不是该网格的网格员"))
    texts = [t.strip() for t in findings if t and t.strip()]
    errors: dict[str, list[str]] = {}
    if len(texts) > 10:
        errors["findings"] = [_("一次巡查最多记录 10 条发现")]
    if any(len(t) > 500 for t in texts):
        errors["findings"] = [_("每条发现最多 500 个字")]
    if len((route_notes or "").strip()) > 500:
        errors["route_notes"] = [_("路线与情况最多 500 个字")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        patrol = Patrol.objects.create(
            worker=actor, grid=area, started_at=timezone.now(), route_notes=(route_notes or "").strip()
        )
        Finding.objects.bulk_create([Finding(patrol=patrol, text=t) for t in texts])
        audit_record(actor=actor, action="grid.patrol.recorded", target=patrol, data={"findings": len(texts)})
    return patrol


def finding_to_order(*, actor: Any, finding_id: int, category: str, title: str) -> Finding:
    """Report a finding as a need (网格上报): it enters the order loop through the orders service."""
    with transaction.atomic():
        get_for(Finding.objects.all(), actor, "view", pk=finding_id)
        # Lock the finding alone: PostgreSQL refuses FOR UPDATE across the nullable join to the grid's parent.
        finding = Finding.objects.select_for_update().get(pk=finding_id)
        finding.patrol = Patrol.objects.select_related("grid__parent").get(pk=finding.patrol_id)
        if finding.patrol.worker_id != actor.pk:
            raise PermissionDenied(_("只有记录该巡查的网格员可以上报"))
        if finding.order_id is not None:
            raise Conflict(_("该发现已转为工单 #%(n)s") % {"n": finding.order_id})
        grid = finding.patrol.grid
        assert grid.parent is not None
        order = order_create(
            actor=actor,
            category=category,
            title=title or finding.text[:40],
            description=finding.text,
            community=grid.parent.code,
            grid=grid.code,
            channel="patrol",
        )
        finding.order = order
        finding.save(update_fields=["order"])
        audit_record(actor=actor, action="grid.finding.reported", target=finding, data={"order": order.pk})
    return finding
