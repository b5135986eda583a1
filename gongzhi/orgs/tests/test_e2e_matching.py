"""In a real browser: a community worker dispatching a need sees the organizations ranked for it as soon
as the category and the place are chosen, and on a need waiting in the hall dispatches it to the first one."""

from __future__ import annotations

from typing import Any

import pytest

from gongzhi.orders.models import Order

pytestmark = pytest.mark.browser
ORG_A = "舟山市普陀区海韵社会工作服务中心"


def _login(page: Any, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{page.base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "gongzhi-demo")
    page.click("main button[type=submit]")  # not the header's elder-mode button
    page.wait_for_url(f"{page.base_url}/workspace/")


def test_staff_see_the_ranking_while_dispatching(page: Any) -> None:
    from gongzhi.accounts.models import User
    from gongzhi.orders import services
    from gongzhi.orders.models import Category

    Category.objects.get_or_create(code="elderly_care", defaults={"name": "养老服务"})
    need = services.order_create(
        actor=User.objects.get(username="resident_a"),
        category="elderly_care",
        title="浏览器测试：帮忙买菜",
        description="腿脚不便，想请人每周帮忙买两次菜。",
        community="330903003005",
        grid="330903003005-001",
    )

    _login(page, "community_xp")
    page.goto(f"{page.base_url}/orders/dispatch/")
    preview = page.locator("[data-testid=match-preview]")
    assert "选择服务类别和社区/网格后" in preview.inner_text()
    page.select_option("#id_category", "elderly_care")
    page.wait_for_selector("[data-testid=match-preview] >> text=先选择服务类别和社区/网格")
    page.select_option("#id_area", "330903003005")
    page.wait_for_selector("[data-testid=match-preview] [data-testid=match]")
    assert ORG_A in preview.inner_text()
    assert preview.locator("[data-testid=match-reason]").first.inner_text().strip()

    page.goto(f"{page.base_url}/orders/{need.pk}/")
    page.wait_for_selector("#matches [data-testid=match]")
    first = page.locator("#matches [data-testid=match]").first
    chosen = first.get_attribute("data-org")
    assert chosen and chosen.isdigit()
    first.locator("[data-testid=dispatch-to]").click()
    page.wait_for_selector("text=已重新派单")
    assert Order.objects.get(pk=need.pk).org_id == int(chosen)
