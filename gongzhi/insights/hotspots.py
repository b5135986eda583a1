"""Hot-spot detection: a category whose need volume in a grid or community jumps above its own history.

The rule (published on the warnings page):
    recent  = needs posted in the cell in the last 7 days (a rolling window ending now);
    weekly  = the needs of each of the 8 weeks before that window; μ their mean, σ their standard deviation;
    warn when recent ≥ 3 and recent ≥ μ + 3·max(σ, √μ, 1).
σ is floored at √μ (the spread of a Poisson count with that mean) and at 1, so a cell whose history is
perfectly regular (σ = 0) does not warn on one need more than usual. The 3 (minimum), the 3 sigmas, the
7 days and the 8 weeks are settings (``INSIGHTS_HOTSPOT_*``).

Cells are category × grid and category × community (a community cell counts its grids' needs too). Grid events
(``gongzhi.grid``) count like needs of their category.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Model, Q

from gongzhi.grid.models import GridEvent
from gongzhi.insights import conf
from gongzhi.orders.models import Order


@dataclass(frozen=True)
class Judgement:
    hot: bool
    mean: float
    sd: float
    threshold: float


def judge(recent: int, weekly: list[int], *, minimum: int | None = None, sigmas: float | None = None) -> Judgement:
    minimum = int(conf.get("INSIGHTS_HOTSPOT_MIN")) if minimum is None else minimum  # type: ignore[call-overload]
    sigmas = float(conf.get("INSIGHTS_HOTSPOT_SIGMAS")) if sigmas is None else sigmas  # type: ignore[arg-type]
    mean = sum(weekly) / len(weekly) if weekly else 0.0
    sd = math.sqrt(sum((w - mean) ** 2 for w in weekly) / len(weekly)) if weekly else 0.0
    threshold = max(float(minimum), mean + sigmas * max(sd, math.sqrt(mean), 1.0))
    return Judgement(recent >= threshold, mean, sd, threshold)


@dataclass(frozen=True)
class Cell:
    area_id: int
    category_id: int
    recent: int
    weekly: list[int]


def window(now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=int(conf.get("INSIGHTS_HOTSPOT_DAYS"))), now  # type: ignore[call-overload]


def _counts(now: datetime, field: str, extra: Q, model: type[Model] = Order, floor: int | None = None) -> list[Cell]:
    weeks = int(conf.get("INSIGHTS_HOTSPOT_WEEKS"))  # type: ignore[call-overload]
    minimum = int(conf.get("INSIGHTS_HOTSPOT_MIN"))  # type: ignore[call-overload]
    start, _end = window(now)
    bounds = [(start - timedelta(weeks=k), start - timedelta(weeks=k - 1)) for k in range(1, weeks + 1)]
    counts = {"recent": Count("id", filter=Q(created_at__gte=start))}
    for k, (lo, hi) in enumerate(bounds, start=1):
        counts[f"w{k}"] = Count("id", filter=Q(created_at__gte=lo, created_at__lt=hi))
    rows = (
        model._default_manager.filter(extra, created_at__gte=bounds[-1][0], created_at__lt=now)
        .values(field, "category_id")
        .annotate(**counts)
        .filter(recent__gte=minimum if floor is None else floor)
        .order_by(field, "category_id")
    )
    return [Cell(r[field], r["category_id"], r["recent"], [r[f"w{k}"] for k in range(1, weeks + 1)]) for r in rows]


def _merge(orders: list[Cell], events: list[Cell]) -> list[Cell]:
    merged = {(c.area_id, c.category_id): c for c in orders}
    for e in events:
        known = merged.get((e.area_id, e.category_id))
        if known is None:
            merged[(e.area_id, e.category_id)] = e
        else:
            weekly = [a + b for a, b in zip(known.weekly, e.weekly, strict=True)]
            merged[(e.area_id, e.category_id)] = Cell(e.area_id, e.category_id, known.recent + e.recent, weekly)
    return [c for c in merged.values() if c.recent >= int(conf.get("INSIGHTS_HOTSPOT_MIN"))]  # type: ignore[call-overload]


def hot_cells(now: datetime) -> list[tuple[Cell, Judgement]]:
    """Every grid and community cell that is hot now, with the numbers behind the judgement."""
    # Grid events (事件) count beside the orders of the same category, in their grid and their community. Events
    # are few: only when there are some may a cell with fewer orders than the minimum become hot with them.
    events = _counts(now, "grid_id", Q(), GridEvent, 1) + _counts(now, "community_id", Q(), GridEvent, 1)
    floor = 1 if events else None
    cells = _merge(
        _counts(now, "area_id", ~Q(area_id=F("community_id")), floor=floor)
        + _counts(now, "community_id", Q(), floor=floor),
        events,
    )
    out = []
    for cell in cells:
        verdict = judge(cell.recent, cell.weekly)
        if verdict.hot:
            out.append((cell, verdict))
    return out
