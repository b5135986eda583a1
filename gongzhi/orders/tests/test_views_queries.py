"""List pages cost the same number of queries for 5 orders as for 15: no N+1 may creep in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.orders import services
from gongzhi.orders.tests.conftest import XP, jpeg

# Generous ceilings, far below one query per row; the equality of the two counts is the real check.
CEILING = 20


def _post(user: Any, n: int, *, complete: bool = False) -> None:
    for i in range(n):
        order = services.order_create(
            actor=user("resident_a"),
            category="elderly_care",
            title=f"需求 {i}",
            description="帮忙买菜。",
            community=XP,
            grid=f"{XP}-001",
            address=f"兴普社区{i}号楼",
        )
        if complete:
            services.order_claim(actor=user("org_a"), order_id=order.pk)
            services.order_complete(
                actor=user("org_a"), order_id=order.pk, description="已上门完成服务。", photos=[jpeg()], people_served=1
            )
            services.order_rate(actor=user("resident_a"), order_id=order.pk, stars=5)


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("username", "url", "complete"),
    [
        ("org_a", "/orders/hall/", False),
        ("resident_a", "/orders/mine/", False),
        ("org_a", "/orders/org/?state=completed,closed", True),
        ("community_xp", "/orders/area/", False),
        ("community_xp", "/orders/area/?state=pending&overdue=0&category=elderly", False),
        ("community_xp", "/orders/ledger/", True),
        ("resident_a", "/workspace/", False),
        ("org_a", "/workspace/", False),
        ("community_xp", "/workspace/", False),
    ],
)
def test_list_pages_do_not_grow_with_the_rows(web, user, django_assert_max_num_queries, username, url, complete):
    client: Callable[..., Any] = web(username)
    _post(user, 5, complete=complete)
    few = _queries(client, url)
    _post(user, 10, complete=complete)
    with django_assert_max_num_queries(CEILING):
        many = _queries(client, url)
    assert many == few, f"{url}: {few} queries for 5 orders, {many} for 15"


def test_long_lists_stop_counting_at_the_cap(web, user, api, monkeypatch):
    """Past the cap the count stops (the API says cap + 1, the page says "more than") and pages still work."""
    from gongzhi.core import paging

    _post(user, 5)
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    answer = api("community_xp").get("orders", page_size=2)
    assert answer.status_code == 200 and answer.json()["count"] == 4 and len(answer.json()["items"]) == 2
    page = web("community_xp").get("/orders/area/").content.decode()
    assert "超过 3 条" in page
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    assert api("community_xp").get("orders").json()["count"] == 5
    assert "共 5 条" in web("community_xp").get("/orders/area/").content.decode()


def test_the_area_rule_reads_area_ids_once_per_request(user):
    """Staff see orders by the ids of the areas in their subtree, looked up once per set of grants."""
    from gongzhi.accounts.permissions import grants_for, restrict
    from gongzhi.areas.models import Area
    from gongzhi.orders.models import Order

    _post(user, 2)
    staff = user("street_dg")
    g = grants_for(staff)
    with CaptureQueriesContext(connection) as ctx:
        first = g.area_ids("street_staff")
        again = g.area_ids("street_staff")
    assert first == again and len(ctx.captured_queries) == 1
    assert set(first) == set(
        Area.objects.filter(path__startswith=g.area_paths("street_staff")[0]).values_list("pk", flat=True)
    )
    assert restrict(Order.objects.all(), staff, "view").count() == 2
    assert restrict(Order.objects.all(), user("community_xp"), "view").count() == 2
    assert restrict(Order.objects.all(), user("dept_wj"), "view").count() == 0
