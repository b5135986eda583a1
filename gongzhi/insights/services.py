"""Writes of the insights app: keeping the counters, hot-spot warnings, the points formula and the frozen ranking.

``insights_on_event`` is called by ``gongzhi.orders.services`` for every order transition, inside the
transition's transaction. Everything else is keyword-only, atomic, and writes its audit entry.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role, User
from gongzhi.accounts.permissions import can, get_for, grants_for
from gongzhi.areas.models import Area
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.insights import hotspots, maintain, points
from gongzhi.insights.models import (
    DEFAULT_WEIGHTS,
    HotspotWarning,
    PointsEntry,
    PointsFormula,
    PointsSnapshot,
    WarningStatus,
)
from gongzhi.notify.services import notify
from gongzhi.orders.models import Category, Order, OrderEvent

WARNED_ROLES = (Role.COMMUNITY_WORKER, Role.STREET_STAFF)


def _now() -> datetime:
    return timezone.now()


# ---- the counters -----------------------------------------------------------------------------------


def insights_on_event(order: Order, event: OrderEvent) -> None:
    """Count the order as it now is (see ``maintain.on_event``); called inside the transition's transaction."""
    maintain.on_event(order, event)


def insights_refresh(*, actor: Any, order_ids: list[int]) -> int:
    """Recount orders that were changed without a transition (the demo moves its history in time)."""
    with transaction.atomic():
        changed = maintain.refresh(order_ids)
        if changed:
            audit_record(actor=actor, action="insights.counters.refreshed", data={"orders": changed})
        return changed


def insights_rebuild(*, actor: Any) -> maintain.RebuildResult:
    """Recompute every fact and counter from the raw orders and ratings (after changing a parameter such as
    INSIGHTS_FAST_CLOSURE_MINUTES, or after loading orders by other means)."""
    with transaction.atomic():
        result = maintain.rebuild()
        audit_record(
            actor=actor, action="insights.counters.rebuilt", data={"orders": result.orders, "cells": result.cells}
        )
        return result


# ---- hot-spot warnings ------------------------------------------------------------------------------


def _area_staff(area: Area) -> list[User]:
    """Community workers and street staff whose area contains ``area``."""
    parts = area.path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return list(
        User.objects.filter(grants__role__in=WARNED_ROLES, grants__area__path__in=prefixes, is_active=True).distinct()
    )


def _recently_handled(area_id: int, category_id: int, since: datetime) -> bool:
    # The warning about a surge someone already handled must not come back while the same orders
    # are still inside the recent window.
    return HotspotWarning.objects.filter(
        area_id=area_id, category_id=category_id, status=WarningStatus.HANDLED, handled_at__gte=since
    ).exists()


def _raise(cell: hotspots.Cell, verdict: hotspots.Judgement, now: datetime) -> HotspotWarning | None:
    start, end = hotspots.window(now)
    area = Area.objects.get(pk=cell.area_id)
    category = Category.objects.get(pk=cell.category_id)
    try:
        with transaction.atomic():
            warning = HotspotWarning.objects.create(
                area=area,
                category=category,
                window_start=start,
                window_end=end,
                recent=cell.recent,
                weekly=cell.weekly,
                baseline_mean=verdict.mean,
                baseline_sd=verdict.sd,
                threshold=verdict.threshold,
                raised_at=now,
            )
    except IntegrityError:
        return None  # another scan raised it a moment ago: one open warning per cell
    where = Q(area_id=area.pk) if area.level == "grid" else Q(community_id=area.pk)
    warning.orders.set(
        Order.objects.filter(where, category_id=category.pk, created_at__gte=start, created_at__lt=end).values_list(
            "pk", flat=True
        )
    )
    title = _("热点预警：%(area)s近 7 天“%(cat)s”需求 %(n)s 件") % {
        "area": area.display_name,
        "cat": category.name,
        "n": cell.recent,
    }
    body = _("此前 8 周平均每周 %(m).1f 件，预警阈值 %(t).1f 件。请关注并处置。") % {
        "m": verdict.mean,
        "t": verdict.threshold,
    }
    notify(
        recipients=_area_staff(area),
        kind="insights.hotspot",
        title=title,
        body=body,
        target=warning,
        url=f"/insights/warnings/{warning.pk}/",
        event_key=f"hotspot:{warning.pk}",
    )
    audit_record(
        actor=None,
        action="insights.warning.raised",
        target=warning,
        data={
            "area": area.code,
            "category": category.code,
            "recent": cell.recent,
            "weekly": cell.weekly,
            "threshold": verdict.threshold,
        },
    )
    return warning


def hotspots_scan(*, now: datetime | None = None) -> int:
    """Raise a warning for every hot cell that has no open warning (and none handled within the window);
    returns how many were raised. Run by the scheduler every hour."""
    now = now or _now()
    start, _end = hotspots.window(now)
    raised = 0
    for cell, verdict in hotspots.hot_cells(now):
        with transaction.atomic():
            if HotspotWarning.objects.filter(
                area_id=cell.area_id, category_id=cell.category_id, status=WarningStatus.OPEN
            ).exists():
                continue
            if _recently_handled(cell.area_id, cell.category_id, start):
                continue
            if _raise(cell, verdict, now) is not None:
                raised += 1
    return raised


def warning_handle(*, actor: Any, warning_id: int, note: str) -> HotspotWarning:
    """Community, street or civil affairs staff of the area close a warning, saying what was done."""
    note = (note or "").strip()
    if len(note) < 2:
        raise ValidationFailed({"note": [_("请填写处置情况（至少 2 个字）")]})
    if len(note) > 500:
        raise ValidationFailed({"note": [_("处置情况最多 500 个字")]})
    with transaction.atomic():
        get_for(HotspotWarning.objects.all(), actor, "view", pk=warning_id)
        warning = HotspotWarning.objects.select_for_update().get(pk=warning_id)
        if not can(actor, "handle", warning):
            raise PermissionDenied(_("只有本区域的社区、街道或民政工作人员可以处置预警"))
        if warning.status != WarningStatus.OPEN:
            raise Conflict(_("该预警已处置"), extra={"state": warning.status})
        warning.status, warning.handled_at, warning.handled_by = WarningStatus.HANDLED, _now(), actor
        warning.handle_note = note
        warning.save(update_fields=["status", "handled_at", "handled_by", "handle_note"])
        audit_record(actor=actor, action="insights.warning.handled", target=warning, data={"note": note})
        return warning


# ---- annual points ------------------------------------------------------------------------------------


def _may_publish(actor: Any) -> None:
    grants = grants_for(actor)
    if not (grants.is_admin or grants.has_role(Role.CIVIL_AFFAIRS)):
        raise PermissionDenied(_("只有民政局工作人员可以发布积分公式或固化排名"))


def points_formula_set(*, actor: Any, year: int, **weights: Any) -> PointsFormula:
    """Publish the weights of a year's points (unknown names are refused; missing ones keep their value)."""
    _may_publish(actor)
    points.check_year(year)
    unknown = sorted(set(weights) - set(DEFAULT_WEIGHTS))
    if unknown:
        raise ValidationFailed({name: [_("没有这一项权重")] for name in unknown})
    clean: dict[str, Decimal] = {}
    for name, value in weights.items():
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise ValidationFailed({name: [_("请填写数字")]}) from None
        if not number.is_finite() or abs(number) >= 100000:
            raise ValidationFailed({name: [_("请填写 -99999 到 99999 之间的数字")]})
        if name.endswith("_cap") and number < 0:
            raise ValidationFailed({name: [_("上限不能为负数")]})
        clean[name] = number.quantize(Decimal("0.01"))
    with transaction.atomic():
        if PointsSnapshot.objects.filter(year=year).exists():
            raise Conflict(_("%(y)s 年度排名已固化，不能再修改公式") % {"y": year})
        formula = PointsFormula.objects.select_for_update().filter(year=year).first()
        if formula is None:
            formula = PointsFormula(year=year)
        for name, value in clean.items():
            setattr(formula, name, value)
        formula.published_at, formula.published_by = timezone.now(), actor
        formula.save()
        audit_record(
            actor=actor,
            action="insights.formula.published",
            target=formula,
            data={k: str(v) for k, v in formula.weights().items()},
        )
        return formula


def points_freeze(*, actor: Any, year: int) -> PointsSnapshot:
    """Freeze a finished year's ranking: what project calls and reviewers read from then on."""
    if actor is not None:
        _may_publish(actor)
    points.check_year(year, past=True)
    with transaction.atomic():
        if PointsSnapshot.objects.filter(year=year).exists():
            raise Conflict(_("%(y)s 年度排名已固化") % {"y": year})
        weights = points.weights_for(year)
        ranking = points.compute(year)
        try:
            with transaction.atomic():
                snapshot = PointsSnapshot.objects.create(
                    year=year,
                    frozen_at=timezone.now(),
                    frozen_by=actor if getattr(actor, "pk", None) else None,
                    weights={
                        **{k: str(v) for k, v in weights.items()},
                        "prior_count": points.conf.prior_count(),
                        "prior_mean": points.conf.prior_mean(),
                    },
                )
        except IntegrityError:
            raise Conflict(_("%(y)s 年度排名已固化") % {"y": year}) from None
        PointsEntry.objects.bulk_create(
            [
                PointsEntry(
                    snapshot=snapshot, org_id=e.org_id, rank=e.rank, total=e.total, items=[i.as_dict() for i in e.items]
                )
                for e in ranking
            ]
        )
        audit_record(
            actor=actor,
            action="insights.points.frozen",
            target=snapshot,
            data={"year": year, "organizations": len(ranking)},
        )
        return snapshot
