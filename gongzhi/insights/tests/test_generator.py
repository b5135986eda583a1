"""The generated history: plausible, consistent with the counters (verify passes), and idempotent."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from gongzhi.accounts.models import LoginFailure
from gongzhi.core.demo import load_demo
from gongzhi.insights import generator
from gongzhi.insights.models import HotspotWarning
from gongzhi.insights.store import analyze
from gongzhi.insights.verify import verify
from gongzhi.orders.models import LedgerEntry, Order, OrderEvent, Rating


def test_demo_orders_generates_a_consistent_history(demo):
    load_demo(extra={"orders": 3000})
    generated = Order.objects.filter(created_by__username__startswith="gen_")
    assert generated.count() == 3000
    report = verify()
    assert report.ok, report.differences
    states = dict(generated.values_list("state").annotate(n=Count("id")))
    # Most of history is done; the last days are open. (Not "pending" alone: at 7 a.m. after a quiet night
    # every need of the evening before may already have been taken on.)
    still_open = sum(states.get(s, 0) for s in ("pending", "forwarded", "accepted", "signed"))
    assert states["closed"] > still_open > 0
    assert {"cancelled", "accepted", "completed"} <= set(states)
    # Special needs go to a department (forwarded), which signs within hours: test the path, not the hour.
    assert OrderEvent.objects.filter(order__in=generated, to_state="forwarded").exists()
    assert OrderEvent.objects.filter(order__in=generated).count() > 3 * 3000
    assert Rating.objects.filter(order__in=generated).count() > 1000
    assert LedgerEntry.objects.filter(order__in=generated).count() > 2000
    assert generated.values("community").distinct().count() > 100  # all Putuo communities take part
    assert HotspotWarning.objects.exists()  # the surge in one grid was found
    # Running the demo again with the same number adds nothing.
    load_demo(extra={"orders": 3000})
    assert generator.generated_count() == 3000
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_leaves_statistics_and_on_postgresql_a_visibility_map():
    """After loading, the planner knows the sizes; on PostgreSQL the pages are marked all-visible too, so an
    index-only scan need not visit the table (autovacuum would, in its own time, when it is on)."""
    LoginFailure.objects.bulk_create(LoginFailure(username=f"u{i}", at=timezone.now()) for i in range(200))
    table = LoginFailure._meta.db_table
    analyze(LoginFailure)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT relallvisible, reltuples FROM pg_class WHERE relname = %s", [table])
            visible, tuples = cursor.fetchone()
            assert visible > 0
            assert tuples == 200
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
            assert cursor.fetchone()[0] > 0
    with transaction.atomic():  # VACUUM cannot run in a transaction: the statistics alone, no error
        analyze(LoginFailure)
        analyze()
