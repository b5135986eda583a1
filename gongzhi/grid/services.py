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
from gongzhi.grid.models import Finding, GridEvent, GridEventStep, Patrol
from gongzhi.grid.transitions import MACHINE
from gongzhi.orders.models import Category
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


def _category(code: str) -> Category:
    category = Category.objects.filter(code=(code or "").strip(), active=True).first()
    if category is None:
        raise ValidationFailed({"category": [_("请选择有效的类别")]})
    return category


def finding_to_event(*, actor: Any, finding_id: int, category: str, title: str, place: str = "") -> GridEvent:
    """Record a finding as a grid event (a damaged facility, a dispute, a hazard …) to be handled and checked."""
    cat = _category(category)
    title = (title or "").strip()
    if not 2 <= len(title) <= 100:
        raise ValidationFailed({"title": [_("事件标题 2 到 100 个字")]})
    with transaction.atomic():
        get_for(Finding.objects.all(), actor, "view", pk=finding_id)
        finding = Finding.objects.select_for_update().get(pk=finding_id)
        patrol = Patrol.objects.select_related("grid__parent").get(pk=finding.patrol_id)
        if patrol.worker_id != actor.pk:
            raise PermissionDenied(_("只有记录该巡查的网格员可以登记事件"))
        if finding.order_id is not None or GridEvent.objects.filter(finding=finding).exists():
            raise Conflict(_("该发现已上报"))
        assert patrol.grid.parent is not None
        event = GridEvent.objects.create(
            grid=patrol.grid,
            community=patrol.grid.parent,
            category=cat,
            title=title,
            place=(place or "").strip()[:200],
            reported_by=actor,
            finding=finding,
            created_at=timezone.now(),
        )
        GridEventStep.objects.create(
            event=event, action="reported", to_state=event.state, actor=actor, note=finding.text, at=event.created_at
        )
        audit_record(actor=actor, action="grid.event.reported", target=event, data={"category": cat.code})
    return event


def event_act(*, actor: Any, event_id: int, action: str, note: str = "") -> GridEvent:
    """Take one action of the event state machine: lock, guard, change, history row, audit — one transaction."""
    if action not in MACHINE:
        raise ValidationFailed({"action": [_("未知操作")]})
    note = (note or "").strip()
    if "note" in MACHINE[action].inputs and len(note) < 2:
        raise ValidationFailed({"note": [_("请填写说明（至少 2 个字）")]})
    with transaction.atomic():
        get_for(GridEvent.objects.all(), actor, "view", pk=event_id)
        event = GridEvent.objects.select_for_update().get(pk=event_id)
        event.grid = Area.objects.get(pk=event.grid_id)
        relations = MACHINE.guard(actor, event, action)
        before = event.state
        event.state = MACHINE.next_state(action, event, relations)
        if action == "take":
            event.handler = actor
        event.save(update_fields=["state", "handler"])
        GridEventStep.objects.create(
            event=event,
            action=action,
            from_state=before,
            to_state=event.state,
            actor=actor,
            note=note[:500],
            at=timezone.now(),
        )
        audit_record(actor=actor, action=f"grid.event.{action}", target=event, data={"from": before, "to": event.state})
    return event
