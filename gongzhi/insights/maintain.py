"""Keeping the counters exact: the transition hook, the refresh of orders changed behind the services'
back (demo time shifts), and the full rebuild from the raw orders and ratings.

Why in the transition's transaction (and not later by the worker): a figure is then never behind the
orders it describes, ``insights verify`` can demand zero differences at any moment, and there is no
watermark to lose. The cost is one read of the order's fact, at most one read of its ratings, one upsert
statement and one write of the fact — a few hundred microseconds in a transaction that already holds
the order's row lock. The counters a transition touches are per organization, or per street × category
(× month, and × year): there is no city-wide row, so concurrent transitions rarely meet on a row, and
they lock shared rows in key order (no deadlock).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from gongzhi.areas.models import Area, Level
from gongzhi.core.rows import table
from gongzhi.insights.facts import FACT_FIELDS, Fact, cell_deltas, chosen_stars, fact_of
from gongzhi.insights.models import OrderFact, Tally
from gongzhi.insights.store import (
    analyze,
    apply_deltas,
    bulk_insert,
    fact_from_row,
    fact_rows,
    rebuild_tally,
    save_fact,
)
from gongzhi.orders.models import Order, OrderEvent, Rating

ORDER_FIELDS = (
    "id",
    "state",
    "created_at",
    "accepted_at",
    "completed_at",
    "accept_by",
    "complete_by",
    "reopen_count",
    "category_id",
    "area_id",
    "community_id",
    "org_id",
)
BATCH = 5000


def _geo(community_id: int) -> tuple[int, int]:
    """(district id, street id) of a community."""
    row = Area.objects.filter(pk=community_id).values_list("parent__parent_id", "parent_id").first()
    return (row[0] or 0, row[1] or 0) if row else (0, 0)


def geo_map() -> dict[int, tuple[int, int]]:
    """(district id, street id) of every community, for batch work."""
    return {
        pk: (district or 0, street or 0)
        for pk, street, district in Area.objects.filter(level=Level.COMMUNITY).values_list(
            "pk", "parent_id", "parent__parent_id"
        )
    }


def _stars(order_id: int) -> int | None:
    return chosen_stars(Rating.objects.filter(order_id=order_id).values_list("rater_role", "stars", "created_at", "id"))


def on_event(order: Order, event: OrderEvent) -> None:
    """Count the order as it is after ``event``: subtract its old contribution, add the new one.

    Runs inside the transition's transaction, after the order row was locked and saved, so no other
    transition of this order can interleave. Ratings only ever arrive with a "rated" event, so the
    ratings are read only then (and for an order that was never counted yet)."""
    row = OrderFact.objects.filter(order_id=order.pk).first()
    old = fact_from_row(row) if row is not None else None
    if old is not None and old.area_id == order.area_id:
        district_id, street_id = old.district_id, old.street_id
    else:
        district_id, street_id = _geo(order.community_id)
    if event.action == "rated" or (old is None and event.action != "created"):
        stars = _stars(order.pk)
    else:
        stars = old.stars if old is not None else None
    new = fact_of(order, district_id=district_id, street_id=street_id, stars=stars)
    if new == old:
        return
    apply_deltas(cell_deltas(old, new))
    save_fact(new, exists=row is not None)


# ---- batch recomputation from the raw rows ---------------------------------------------------------


class _Row:
    """An order's fields from ``values()``, readable as attributes by ``fact_of``."""

    __slots__ = ORDER_FIELDS
    id: int
    community_id: int

    def __init__(self, values: dict[str, Any]) -> None:
        for name in ORDER_FIELDS:
            setattr(self, name, values[name])


def _ratings_by_order(lo: int, hi: int) -> dict[int, list[tuple[str, int, Any, int]]]:
    out: dict[int, list[tuple[str, int, Any, int]]] = {}
    for order_id, role, stars, at, pk in Rating.objects.filter(order_id__gte=lo, order_id__lte=hi).values_list(
        "order_id", "rater_role", "stars", "created_at", "id"
    ):
        out.setdefault(order_id, []).append((role, stars, at, pk))
    return out


def raw_facts(orders: QuerySet[Order] | None = None, batch: int = BATCH) -> Iterator[list[Fact]]:
    """The facts recomputed from the raw orders and ratings, in batches by ascending order id."""
    geo = geo_map()
    qs = (orders if orders is not None else Order.objects.all()).order_by("pk").values(*ORDER_FIELDS)
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last)[:batch])
        if not rows:
            return
        last = rows[-1]["id"]
        ratings = _ratings_by_order(rows[0]["id"], last)
        facts = []
        for values in rows:
            row = _Row(values)
            district_id, street_id = geo.get(row.community_id) or _geo(row.community_id)
            facts.append(
                fact_of(row, district_id=district_id, street_id=street_id, stars=chosen_stars(ratings.get(row.id, [])))
            )
        yield facts


def refresh(order_ids: Iterable[int]) -> int:
    """Recount the given orders from their raw rows (after a change made without a transition, such as
    the demo moving its history back in time); returns how many facts changed."""
    ids = sorted(set(order_ids))
    changed = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        stored = {r.order_id: r for r in OrderFact.objects.filter(order_id__in=chunk)}
        deltas: dict[tuple[Any, ...], dict[str, int]] = {}
        for facts in raw_facts(Order.objects.filter(pk__in=chunk)):
            for new in facts:
                row = stored.get(new.order_id)
                old = fact_from_row(row) if row is not None else None
                if new == old:
                    continue
                for key, change in cell_deltas(old, new).items():
                    cell = deltas.setdefault(key, {})
                    for name, v in change.items():
                        cell[name] = cell.get(name, 0) + v
                save_fact(new, exists=row is not None)
                changed += 1
        apply_deltas({k: {n: v for n, v in d.items() if v} for k, d in deltas.items() if any(d.values())})
    return changed


@dataclass(frozen=True)
class RebuildResult:
    orders: int
    cells: int


def rebuild() -> RebuildResult:
    """Recompute every fact from the raw orders and ratings, then every counter from the facts."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table(OrderFact)}")  # noqa: S608
    orders = 0
    for facts in raw_facts():
        orders += bulk_insert(OrderFact, FACT_FIELDS, fact_rows(facts))
    cells = rebuild_tally()
    analyze(OrderFact, Tally)
    return RebuildResult(orders=orders, cells=cells)
