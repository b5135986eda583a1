"""Races on PostgreSQL: many organizations' members claim one open need at the same moment and exactly one
wins; a double-tapped rating is stored once; simultaneous reminders are all counted."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from gongzhi.core.errors import ApplicationError

# Decided before any fixture runs: a transactional test that is then skipped would still flush the database.
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (SQLite's test database is not shared between threads)",
    ),
]


@pytest.fixture
def pg(transactional_db: Any) -> None:
    from conftest import _load_demo

    _load_demo()


def _race(calls: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Start the calls at the same moment, each in its own thread and connection; ("ok", result) or
    ("refused", the ApplicationError) per call, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("none", None)] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = ("ok", call())
        except ApplicationError as exc:
            results[i] = ("refused", exc)
        except Exception as exc:  # reported by the assertion below instead of being lost in the thread
            results[i] = ("crashed", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not [r for r in results if r[0] in ("crashed", "none")], results
    return results


def _members(username: str, extra: int) -> list[Any]:
    """The organization's admin and ``extra`` new members of it, each a fresh user object."""
    from gongzhi.accounts.models import Grant, Role, User
    from gongzhi.orders.tests.test_api_transitions import org_of

    org = org_of(username)
    names = [f"{username}_m{i}" for i in range(extra)]
    for name in names:
        member = User.objects.create(username=name, display_name=f"{org.name}志愿者{name[-1]}")
        Grant.objects.create(user=member, role=Role.ORG_MEMBER, organization=org)
    return list(User.objects.filter(username__in=[username, *names]))


def test_eight_claims_at_once_exactly_one_wins(pg):
    from gongzhi.orders import services
    from gongzhi.orders.models import Order, OrderEvent
    from gongzhi.orders.tests.test_api_transitions import build

    order = build("hall")
    claimers = _members("org_a", 3) + _members("org_b", 3)
    assert len(claimers) == 8

    results = _race([lambda who=who: services.order_claim(actor=who, order_id=order.pk) for who in claimers])

    winners = [r for r in results if r[0] == "ok"]
    assert len(winners) == 1, results
    order.refresh_from_db()
    assert order.state == "accepted"
    holder = order.org.name
    for outcome, exc in results:
        if outcome == "refused":
            assert (exc.status, exc.code) == (409, "illegal_state")
            assert exc.payload()["state"] == "accepted"
            assert exc.payload()["holder"] == holder
            assert holder in str(exc.message)
    claimed = OrderEvent.objects.filter(order=order, action="claimed")
    assert claimed.count() == 1
    assert claimed.get().org == order.org
    assert OrderEvent.objects.filter(order=order).count() == 2  # created, claimed
    assert Order.objects.get(pk=order.pk).accepted_at == claimed.get().at


def test_a_double_tapped_rating_is_stored_once(pg):
    from gongzhi.accounts.models import User
    from gongzhi.orders import services
    from gongzhi.orders.models import OrderEvent, Rating
    from gongzhi.orders.tests.test_api_transitions import build

    order = build("completed")
    taps = [User.objects.get(username="resident_a") for _ in range(2)]

    results = _race(
        [
            lambda who=who, n=n: services.order_rate(actor=who, order_id=order.pk, stars=4 + n)
            for n, who in enumerate(taps)
        ]
    )

    assert sorted(r[0] for r in results) == ["ok", "refused"]
    refusal = next(exc for outcome, exc in results if outcome == "refused")
    assert refusal.status == 409
    assert Rating.objects.filter(order=order).count() == 1
    assert OrderEvent.objects.filter(order=order, action="rated").count() == 1
    order.refresh_from_db()
    assert order.state == "closed"
    assert order.ledger_entry.rating == Rating.objects.get(order=order).stars


def test_simultaneous_reminders_are_all_counted(pg, settings):
    settings.ORDER_REMIND_COOLDOWN_HOURS = 0  # the counter under concurrency; the cooldown is the next test
    from gongzhi.accounts.models import User
    from gongzhi.orders import services
    from gongzhi.orders.models import Order, OrderEvent
    from gongzhi.orders.tests.test_api_transitions import build

    order = build("dispatched")
    staff = [User.objects.get(username=name) for name in ("community_xp", "street_dg", "community_xp", "street_dg")]

    results = _race([lambda who=who: services.order_remind(actor=who, order_id=order.pk) for who in staff])

    assert [r[0] for r in results] == ["ok"] * 4
    assert Order.objects.get(pk=order.pk).reminder_count == 4
    assert OrderEvent.objects.filter(order=order, action="reminded").count() == 4


def test_simultaneous_reminders_within_the_cooldown_make_one(pg):
    from gongzhi.accounts.models import User
    from gongzhi.orders import services
    from gongzhi.orders.models import Order, OrderEvent
    from gongzhi.orders.tests.test_api_transitions import build

    order = build("dispatched")
    staff = [User.objects.get(username=name) for name in ("community_xp", "street_dg", "community_xp", "street_dg")]

    results = _race([lambda who=who: services.order_remind(actor=who, order_id=order.pk) for who in staff])

    assert sorted(r[0] for r in results) == ["ok", "refused", "refused", "refused"]
    assert Order.objects.get(pk=order.pk).reminder_count == 1
    assert OrderEvent.objects.filter(order=order, action="reminded").count() == 1
