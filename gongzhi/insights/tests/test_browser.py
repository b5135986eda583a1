"""In the browser: street_dg opens the dashboard, sees the charts drawn, and exports the praise leaderboard."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import browser_login


@pytest.fixture
def rated_history(page):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from gongzhi.insights.tests.conftest import Clock, History
    from gongzhi.orders import services

    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    real = services._now
    services._now = clock
    try:
        h = History(clock)
        h.done(h.post(), accept={"minutes": 30}, complete={"hours": 2}, stars=5)
        h.done(h.post(), "org_b", accept={"minutes": 10}, complete={"hours": 3}, stars=4)
    finally:
        services._now = real
    return page


@pytest.mark.browser
def test_street_staff_dashboard_charts_and_excel(rated_history):
    page = rated_history
    browser_login(page, "street_dg")
    page.goto(f"{page.base_url}/insights/?period=2026")
    page.wait_for_selector("[data-chart='series'] canvas")
    assert page.locator("[data-chart] canvas").count() >= 4
    assert page.locator("[data-testid=figures]").inner_text().count("%") >= 2
    praise = page.locator("[data-testid=table-praise]")
    assert "舟山市普陀区海韵社会工作服务中心" in praise.inner_text()
    with page.expect_download() as info:
        page.click("[data-testid=export-praise-xlsx]")
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    assert sheet["A1"].value == "好评排行榜"
    assert [c.value for c in sheet[4]][1] == "舟山市普陀区海韵社会工作服务中心"
    # Changing a filter redraws the results (HTMX) and the charts with them.
    page.select_option("#f-area", "330903003008")
    page.wait_for_selector("[data-testid=dashboard-scope]:has-text('文康')")
    page.wait_for_selector("[data-chart='series'] canvas")
