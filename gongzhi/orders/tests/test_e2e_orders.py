"""The whole loop in a real browser on a phone-sized screen:
resident_a posts a need → org_a claims it in the hall → completes it with a photo → resident_a gives
5 stars → community_xp finds it in the service ledger and downloads the Excel file.

Screenshots of the resident's pages are written to $GONGZHI_SCREENSHOTS (or the test's tmp dir).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image

from gongzhi.core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ORG_A = "舟山市普陀区海韵社会工作服务中心"
TITLE = "帮忙买菜和取药"


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("GONGZHI_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fits(page: Any) -> bool:
    """Nothing sticks out sideways: the page reads on the phone without horizontal scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _login(page: Any, username: str) -> None:
    """Like conftest's ``browser_login``, but presses the login form's button: the first submit button
    on the page is the header's elder-mode toggle, which the shared helper clicks instead."""
    page.goto(f"{page.base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{page.base_url}/workspace/")


def _as(page: Any, username: str) -> None:
    page.context.clear_cookies()
    _login(page, username)


def test_need_to_ledger_in_the_browser(page, tmp_path):
    shots = _shots(tmp_path)
    base = page.base_url

    # 1. The resident posts a need in three steps, from the big button on her workspace.
    _login(page, "resident_a")
    page.click("[data-testid=panel-new-order]")
    assert page.locator("[data-testid=categories] a.choice.big").count() >= 10
    page.click("a.choice[data-code=elderly_care]")
    page.fill("#id_title", TITLE)
    page.fill("#id_description", "腿脚不便，想请人帮忙买菜，顺便去社区卫生服务站取降压药。")
    page.fill("#id_address", "兴普社区3号楼201室")
    page.fill("#id_preferred_time", "周六上午")
    assert page.locator("#id_area").input_value() == "330903003005-001"
    page.screenshot(path=str(shots / "resident-post-step2.png"), full_page=True)
    assert _fits(page)
    page.click("[data-testid=next]")
    page.wait_for_selector("[data-testid=confirm-form]")
    page.screenshot(path=str(shots / "resident-post-step3.png"), full_page=True)
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    order_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert "需求已提交" in page.inner_text(".messages")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{base}/orders/new/?category=elderly_care")
    assert _fits(page)
    page.set_viewport_size({"width": 390, "height": 844})

    # 2. The organization claims it in the hall, in place.
    _as(page, "org_a")
    page.goto(f"{base}/orders/hall/")
    row = f"#order-{order_id}"
    page.click(f"{row} [data-testid=claim]")
    page.wait_for_selector(f"{row} [data-testid=row-flash]")
    assert "已接单" in page.inner_text(row)

    # 3. … and completes it with a photo.
    photo = tmp_path / "service.jpg"
    Image.new("RGB", (800, 600), (90, 160, 90)).save(photo, "JPEG")
    page.goto(f"{base}/orders/{order_id}/")
    page.fill("#complete_description", "已帮忙买好蔬菜，并代取了降压药，老人很满意。")
    page.fill("#complete_people_served", "1")
    page.set_input_files("[data-testid=photos-input]", str(photo))
    page.click("[data-testid=act-complete]")
    page.wait_for_selector("[data-testid=photos] img")
    assert "已完成" in page.inner_text("[data-testid=state]")

    # 4. The resident sees the photo and gives five stars.
    _as(page, "resident_a")
    page.goto(f"{base}/orders/{order_id}/")
    thumb = page.request.get(base + page.locator("[data-testid=photos] img").get_attribute("src"))
    assert thumb.ok and thumb.headers["content-type"] == "image/jpeg"
    page.click("label[for=star-5]")
    page.fill("#rate_comment", "服务周到，谢谢！")
    page.screenshot(path=str(shots / "resident-detail-rating.png"), full_page=True)
    assert _fits(page)
    page.click("[data-testid=act-rate]")
    page.wait_for_selector("[data-testid=ratings]")
    assert "已办结" in page.inner_text("[data-testid=state]")
    assert "★★★★★" in page.inner_text("[data-testid=ratings]")
    page.screenshot(path=str(shots / "resident-detail-closed.png"), full_page=True)

    # 5. The community worker finds it in the service ledger and downloads the Excel file.
    _as(page, "community_xp")
    page.goto(f"{base}/orders/ledger/")
    assert TITLE in page.inner_text("[data-testid=ledger-table]")
    page.screenshot(path=str(shots / "staff-ledger.png"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    target = tmp_path / "ledger.xlsx"
    download.value.save_as(str(target))
    sheet = load_workbook(target).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert ORG_A in cells
    assert any(TITLE in c for c in cells)
