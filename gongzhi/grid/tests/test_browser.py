"""In Chromium on a 360 px screen: grid_xp1 records a patrol and turns a finding into an order."""

from __future__ import annotations

import pytest

from conftest import browser_login
from gongzhi.orders.models import Order

pytestmark = pytest.mark.browser


def test_grid_worker_records_a_patrol_and_reports_a_finding_on_a_phone(page):
    page.set_viewport_size({"width": 360, "height": 740})
    browser_login(page, "grid_xp1")
    page.goto(f"{page.base_url}/grid/m/")
    page.fill("#route_notes", "兴普小区东门—3幢—菜场")
    page.fill("[data-testid=finding-0]", "3幢楼道灯不亮")
    page.fill("[data-testid=finding-1]", "独居老人王奶奶需要助餐")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.click("[data-testid=patrol-submit]")
    page.wait_for_url("**/grid/m/patrols/*/")
    assert page.locator("[data-testid=finding]").count() == 2
    second = page.locator("[data-testid=finding]").nth(1)
    second.locator("select").select_option("elderly_meal")
    second.locator("[data-testid=report-order]").click()
    page.wait_for_selector("[data-testid=reported]")
    order = Order.objects.get(channel="patrol", description="独居老人王奶奶需要助餐")
    assert page.locator("[data-testid=order-link]").inner_text() == f"#{order.pk}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.click("[data-testid=order-link]")
    page.wait_for_url(f"**/orders/{order.pk}/")
    assert "网格巡查" in page.content()
