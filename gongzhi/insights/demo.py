"""Demo: recount the hand-made order history, and with ``gongzhi demo --orders N`` generate N orders.

The orders demo moves its history back in time with plain updates (no transitions), so its orders are
recounted here. The generated history (see ``generator``) writes raw rows and facts, then every counter
is rebuilt from the facts and the hot-spot scan runs once, so the dashboards and warnings have content.
Idempotent: orders already generated count towards N.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db import transaction

from gongzhi.core.demo import demo_step
from gongzhi.insights import generator
from gongzhi.insights.models import OrderFact, Tally
from gongzhi.insights.services import hotspots_scan, insights_refresh
from gongzhi.insights.store import analyze, rebuild_tally, validate_foreign_keys
from gongzhi.orders.models import LedgerEntry, Order, OrderEvent, Rating


def _progress(done: int) -> None:
    sys.stderr.write(f"\r  生成订单 / orders generated: {done}")
    sys.stderr.flush()


@demo_step(70, "insights")
def _insights(system: Any, state: dict[str, Any]) -> None:
    hand_made = Order.objects.exclude(created_by__username__startswith="gen_").values_list("pk", flat=True)
    insights_refresh(actor=system, order_ids=list(hand_made))


@demo_step(75, "history", atomic=False)
def _history(system: Any, state: dict[str, Any]) -> None:
    """The generated history commits a batch at a time: one transaction of ten million orders spent half an
    hour in its COMMIT alone, checking fifty million deferred foreign keys. Until the counters are rebuilt
    (one transaction, at the end) an interrupted run leaves orders uncounted: running it again generates the
    missing orders and rebuilds (``gongzhi insights rebuild`` if only the rebuild was cut short); with nothing
    missing it still validates the foreign keys a run cut short may have left unchecked."""
    wanted = int(state.get("orders") or 0)
    missing = wanted - generator.generated_count()
    if missing <= 0:
        # A run cut off between its last batch and the end left keys NOT VALID: nothing to add, still to check.
        validate_foreign_keys(*generator.LOADED)
        return
    generator.generate(missing, progress=_progress if sys.stderr.isatty() else None)
    with transaction.atomic():
        rebuild_tally()
    analyze(Order, OrderEvent, Rating, LedgerEntry, OrderFact, Tally)
    with transaction.atomic():
        hotspots_scan()
    analyze()  # the small tables too (areas, warnings): their first plans were made without statistics
