"""End to end in Chromium on a phone-sized screen: three roles sign in and out, elder mode, grids."""

from __future__ import annotations

import re

import pytest

from conftest import browser_login

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/gongzhi-e2e.png"


def logout(page) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{page.base_url}/")
    assert page.locator(".messages").inner_text() == "您已安全退出"


def test_three_roles_sign_in_and_out(page):
    for username, title in (("resident_a", "居民首页"), ("org_a", "社会组织工作台"), ("community_xp", "社区工作台")):
        browser_login(page, username)
        heading = page.locator("[data-testid=workspace-title]")
        assert heading.inner_text() == title
        assert page.title() == f"{title} · 社区共治平台"
        logout(page)
        page.goto(f"{page.base_url}/workspace/")
        assert page.url.startswith(f"{page.base_url}/login/")


def test_wrong_password_in_the_browser(page):
    page.goto(f"{page.base_url}/login/")
    page.fill("input[name=username]", "resident_a")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.locator("[data-testid=login-error]").inner_text()


def test_elder_mode_in_the_browser(page):
    browser_login(page, "resident_a")
    html = page.locator("html")
    assert (html.get_attribute("class") or "") == ""
    standard_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.click("[data-testid=elder-toggle]")
    page.wait_for_url(f"{page.base_url}/workspace/")
    assert html.get_attribute("class") == "elder"
    assert page.locator("[data-testid=elder-toggle]").inner_text() == "标准模式"
    elder_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert elder_size > standard_size
    # Nothing spills sideways on a 390 px phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.click("[data-testid=elder-toggle]")
    page.wait_for_url(f"{page.base_url}/workspace/")
    assert (html.get_attribute("class") or "") == ""


def test_draw_a_grid_with_htmx(page):
    browser_login(page, "community_xp")
    page.goto(f"{page.base_url}/areas/330903003005/")
    children = page.locator("[data-testid=area-children]")
    assert children.locator("li").count() == 3
    page.fill("#grid-name", "兴普四网格")
    page.get_by_role("button", name="新建", exact=True).click()
    # A locator wait, not wait_for_function: the page's Content-Security-Policy forbids evaluating strings.
    children.locator("li").nth(3).wait_for()
    assert page.url == f"{page.base_url}/areas/330903003005/"  # swapped in place, no reload
    assert "兴普四网格" in children.inner_text()
    # A duplicate name: the message shows in the same place.
    page.fill("#grid-name", "兴普一网格")
    page.get_by_role("button", name="新建", exact=True).click()
    alert = page.locator("#children [role=alert]")
    alert.wait_for()
    assert alert.inner_text() == "本社区已有名为“兴普一网格”的网格"
    assert re.search(r"网格（4）", page.locator("#children h2").inner_text())
