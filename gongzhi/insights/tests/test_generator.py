"""The generated history: plausible, consistent with the counters (verify passes), and idempotent."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from gongzhi.accounts.models import LoginFailure
from gongzhi.core.demo import load_demo
from gongzhi.insights import generator
from gongzhi.insights.models import HotspotWarning
from gongzhi.insights.store import analyze, bulk_insert, foreign_keys_checked_later, validate_foreign_keys
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


def _foreign_keys():
    tables = [m._meta.db_table for m in generator.LOADED]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        return sorted(cursor.fetchall())


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's foreign keys (SQLite has no ALTER)")
def test_the_generator_leaves_every_foreign_key_as_it_was_and_validated(demo):
    before = _foreign_keys()
    assert len(before) >= 20 and all(valid for *_k, valid in before)
    generator.generate(300)
    assert _foreign_keys() == before


EVENT_COLUMNS = ["order_id", "action", "from_state", "to_state", "note", "data", "at"]


def _event(order_id):
    return (order_id, "x", "", "pending", "", "{}", timezone.now())


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's foreign keys (SQLite has no ALTER)")
def test_a_row_loaded_unchecked_that_points_nowhere_fails_the_validation(demo):
    generator.generate(5)
    order = Order.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        with foreign_keys_checked_later(OrderEvent):
            bulk_insert(OrderEvent, EVENT_COLUMNS, [_event(order.pk), _event(order.pk + 10**9)])
        validate_foreign_keys(OrderEvent)
    assert all(valid for *_k, valid in _foreign_keys())


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's foreign keys (SQLite has no ALTER)")
def test_a_run_cut_off_before_the_validation_is_validated_by_the_next(demo):
    load_demo(extra={"orders": 5})
    order = Order.objects.first()
    with foreign_keys_checked_later(OrderEvent):  # the last batch committed, then the run was killed
        bulk_insert(OrderEvent, EVENT_COLUMNS, [_event(order.pk)])
    assert sum(not valid for *_k, valid in _foreign_keys()) == 4
    load_demo(extra={"orders": 5})  # nothing missing, so nothing generated
    assert generator.generated_count() == 5
    assert all(valid for *_k, valid in _foreign_keys())


def test_a_load_with_its_keys_checked_later_is_whole_after_validation(demo):
    generator.generate(5)
    order = Order.objects.first()
    with transaction.atomic():
        with foreign_keys_checked_later(OrderEvent):
            bulk_insert(OrderEvent, EVENT_COLUMNS, [_event(order.pk)])
        checked = validate_foreign_keys(OrderEvent)
    # PostgreSQL checked the event's four keys in one go; SQLite checked them row by row, as always.
    assert checked == (4 if connection.vendor == "postgresql" else 0)
    assert OrderEvent.objects.filter(order=order, action="x").count() == 1
    if connection.vendor == "postgresql":
        assert all(valid for *_k, valid in _foreign_keys())


def test_a_bulk_load_leaves_statistics_and_on_postgresql_a_visibility_map(transactional_db):
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
