"""Races on PostgreSQL: transitions that hit the same counters at the same moment all count.

Eight residents post in the same (new) cell at once: the cells are created by whoever comes first and
incremented by the others (INSERT … ON CONFLICT DO UPDATE); then eight claims of eight orders by two
organizations hit the same organization cells at once. Nothing is lost, nothing deadlocks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

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


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # reported by the assertion below instead of being lost in the thread
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not [r for r in results if r is None or isinstance(r, Exception)], results
    return results


def test_simultaneous_transitions_all_count(pg):
    from gongzhi.accounts.models import Grant, Role, User
    from gongzhi.areas.models import Area
    from gongzhi.insights.facts import GRAINS
    from gongzhi.insights.models import Tally
    from gongzhi.insights.verify import verify
    from gongzhi.orders import services
    from gongzhi.orgs.models import Organization

    grid = Area.objects.get(code="330903003005-003")
    residents = []
    for i in range(8):
        u = User.objects.create(username=f"race_res_{i}", display_name=f"居民{i}")
        Grant.objects.create(user=u, role=Role.RESIDENT, area=grid)
        residents.append(u)

    def post(u: Any) -> Callable[[], Any]:
        return lambda: services.order_create(
            actor=User.objects.get(pk=u.pk),
            category="culture",
            title="场地协调",
            description="广场舞队想借用活动中心。",
            community="330903003005",
            grid=grid.code,
        )

    orders = _race([post(u) for u in residents])
    cells = list(Tally.objects.filter(area_id=grid.pk).values_list("posted", flat=True))
    assert cells and set(cells) == {8}  # every area grain of the grid counted all eight
    assert sum(t.posted for t in Tally.objects.filter(grain=GRAINS[0].code, posted__gt=0)) == 8

    members = []
    for name in ("海韵", "互助会"):
        org = Organization.objects.get(name__contains=name)
        for i in range(4):
            m = User.objects.create(username=f"race_{org.pk}_{i}", display_name=f"志愿者{i}")
            Grant.objects.create(user=m, role=Role.ORG_MEMBER, organization=org)
            members.append(m)

    def claim(m: Any, order: Any) -> Callable[[], Any]:
        return lambda: services.order_claim(actor=User.objects.get(pk=m.pk), order_id=order.pk)

    _race([claim(m, o) for m, o in zip(members, orders, strict=True)])
    org_cells = Tally.objects.filter(grain=next(g for g in GRAINS if g.org and g.geo == 0).code, taken__gt=0)
    assert sorted(t.taken for t in org_cells) == [4, 4]
    report = verify()
    assert report.ok, report.differences
