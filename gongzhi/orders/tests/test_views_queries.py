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
        order = services.order_create(actor=user("resident_a"), category="elderly_care", title=f"需求 {i}",
                                      description="帮忙买菜。", community=XP, grid=f"{XP}-001",
                                      address=f"兴普社区{i}号楼")
        if complete:
            services.order_claim(actor=user("org_a"), order_id=order.pk)
            services.order_complete(actor=user("org_a"), order_id=order.pk, description="已上门完成服务。",
                                    photos=[jpeg()], people_served=1)
            services.order_rate(actor=user("resident_a"), order_id=order.pk, stars=5)


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("username", "url", "complete"), [
    ("org_a", "/orders/hall/", False),
    ("resident_a", "/orders/mine/", False),
    ("org_a", "/orders/org/?state=completed,closed", True),
    ("community_xp", "/orders/area/", False),
    ("community_xp", "/orders/area/?state=pending&overdue=0&category=elderly", False),
    ("community_xp", "/orders/ledger/", True),
    ("resident_a", "/workspace/", False),
    ("org_a", "/workspace/", False),
    ("community_xp", "/workspace/", False),
])
def test_list_pages_do_not_grow_with_the_rows(web, user, django_assert_max_num_queries, username, url, complete):
    client: Callable[..., Any] = web(username)
    _post(user, 5, complete=complete)
    few = _queries(client, url)
    _post(user, 10, complete=complete)
    with django_assert_max_num_queries(CEILING):
        many = _queries(client, url)
    assert many == few, f"{url}: {few} queries for 5 orders, {many} for 15"
