"""With the Content-Security-Policy on, the pages that use scripts still work and the browser reports no
violation: htmx everywhere, ECharts on the dashboard, the live credit-code check, the points page's year."""

from __future__ import annotations

import pytest

from conftest import browser_login

pytestmark = pytest.mark.browser


def _violations(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def test_scripts_run_under_the_policy(page):
    seen = _violations(page)
    browser_login(page, "mzj")
    page.goto(f"{page.base_url}/insights/?period=2026")
    page.wait_for_selector("[data-chart] canvas")
    page.goto(f"{page.base_url}/orgs/registry/new/?mode=register")
    page.fill("[data-testid=credit-code]", "12345")
    page.wait_for_selector("#code-check :is(p, span, div, strong)", timeout=10000)
    page.goto(f"{page.base_url}/insights/points/")
    years = page.locator("#year option").all_inner_texts()
    if len(years) > 1:
        page.select_option("#year", years[-1])
        page.wait_for_url(f"**year={years[-1]}**")
    assert seen == []


def test_the_need_form_counts_characters_instead_of_cutting_pasted_text(page):
    seen = _violations(page)
    browser_login(page, "resident_a")
    page.goto(f"{page.base_url}/orders/new/?category=elderly_care")
    area = page.locator("textarea[data-maxchars]").first
    area.fill("字" * 4010)
    assert len(area.input_value()) == 4010  # nothing was cut
    assert "超出 10 字" in page.locator("small.counter").first.inner_text()
    area.fill("腿脚不便，想请人每周帮忙买两次菜。")
    assert page.locator("small.counter").first.inner_text() == "已输入 17/4000 字"
    assert seen == []
