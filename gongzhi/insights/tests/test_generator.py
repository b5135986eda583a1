"""The generated history: plausible, consistent with the counters (verify passes), and idempotent."""

from __future__ import annotations

from django.db.models import Count

from gongzhi.core.demo import load_demo
from gongzhi.insights import generator
from gongzhi.insights.models import HotspotWarning
from gongzhi.insights.verify import verify
from gongzhi.orders.models import LedgerEntry, Order, OrderEvent, Rating


def test_demo_orders_generates_a_consistent_history(demo):
    load_demo(extra={"orders": 3000})
    generated = Order.objects.filter(created_by__username__startswith="gen_")
    assert generated.count() == 3000
    report = verify()
    assert report.ok, report.differences
    states = dict(generated.values_list("state").annotate(n=Count("id")))
    assert states["closed"] > states.get("pending", 0) > 0  # most of history is done; the last days are open
    assert {"cancelled", "forwarded", "accepted", "completed"} <= set(states)
    assert OrderEvent.objects.filter(order__in=generated).count() > 3 * 3000
    assert Rating.objects.filter(order__in=generated).count() > 1000
    assert LedgerEntry.objects.filter(order__in=generated).count() > 2000
    assert generated.values("community").distinct().count() > 100  # all Putuo communities take part
    assert HotspotWarning.objects.exists()  # the surge in one grid was found
    # Running the demo again with the same number adds nothing.
    load_demo(extra={"orders": 3000})
    assert generator.generated_count() == 3000
    assert verify().ok
