"""Races on PostgreSQL: the row lock serializes life-cycle steps; the slot constraint refuses double bookings.

The threads need committed rows, so these tests are transactional; they build the few rows they
need themselves rather than reloading the whole demo after a flush.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.core.errors import Conflict, IllegalState

# Decided before any fixture runs: a transactional test that is then skipped would still flush the database.
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (SQLite's test database is not shared between threads)",
    ),
]


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    from gongzhi.accounts.services import grant_add, user_create
    from gongzhi.areas.models import Area
    from gongzhi.orgs.models import Organization, Resource

    district, _ = Area.objects.get_or_create(
        code="339998", defaults={"name": "竞态测试区", "level": "district", "path": "339998/", "depth": 2}
    )
    clerk = user_create(actor=None, username="race_clerk", password=None)
    grant_add(actor=None, user=clerk, role="civil_affairs", area=district)
    org = Organization.objects.create(
        name="竞态测试社会服务中心", org_type="service_institution", status="active", home_area=district
    )
    room = Resource.objects.create(kind="venue", name="竞态测试活动室", area=district)
    users = [user_create(actor=None, username=f"race_user_{i}", password=None) for i in (1, 2)]
    return {"clerk": clerk, "org": org, "room": room, "users": users}


def _race(*calls: Callable[[], Any]) -> list[str]:
    """Start the calls at the same moment in their own threads (and connections)."""
    barrier = threading.Barrier(len(calls))
    results: list[str] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            call()
            results.append("ok")
        except (Conflict, IllegalState) as exc:
            results.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def test_two_staff_list_the_same_organization_at_once(world):
    from gongzhi.orgs.models import OrgStatusChange
    from gongzhi.orgs.services import org_mark_abnormal

    clerk, org = world["clerk"], world["org"]
    results = _race(
        lambda: org_mark_abnormal(actor=clerk, org=org, reason="甲"),
        lambda: org_mark_abnormal(actor=clerk, org=org, reason="乙"),
    )
    assert results == ["IllegalState", "ok"]
    assert OrgStatusChange.objects.filter(organization=org, to_status="abnormal").count() == 1


def test_overlapping_bookings_at_once(world, monkeypatch):
    """The service's friendly pre-check is switched off: only the unique slot constraint stands in the way."""
    from gongzhi.orgs.models import Booking, BookingSlot
    from gongzhi.orgs.services import booking_request
    from gongzhi.orgs.services import resources as resource_services

    monkeypatch.setattr(resource_services, "_first_clash", lambda *a: None)
    room, (first, second) = world["room"], world["users"]
    day = timezone.localdate() + timedelta(days=20)
    tz = timezone.get_current_timezone()

    def at(hour: int) -> datetime:
        return datetime.combine(day, time(hour, 0), tzinfo=tz)

    results = _race(
        lambda: booking_request(actor=first, resource=room, start=at(9), end=at(11), purpose="甲"),
        lambda: booking_request(actor=second, resource=room, start=at(10), end=at(12), purpose="乙"),
    )
    assert results == ["Conflict", "ok"]
    assert Booking.objects.filter(resource=room).count() == 1
    starts = list(BookingSlot.objects.filter(resource=room).values_list("start", flat=True))
    assert len(starts) == len(set(starts)) == 4
