"""In a real browser: the bureau registers an organization (a wrong credit code first), the
organization files its annual report, the bureau passes it, and the public directory shows it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
NAME = "舟山市普陀区浏览器测试公益服务中心"


def _login(page, username: str, password: str = "gongzhi-demo") -> None:  # noqa: S107
    page.context.clear_cookies()
    page.goto(f"{page.base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")  # not the header's elder-mode button
    page.wait_for_url(f"{page.base_url}/workspace/")


def test_register_report_review_publish(page):
    from gongzhi.accounts.services import user_create
    from gongzhi.orgs.validators import build_credit_code

    user_create(
        actor=None,
        username="e2e_org_admin",
        password="e2e-password-1",
        display_name="浏览器测试 管理员",
        check_password=False,
    )
    right_code = build_credit_code("5", "2", "330903", "ME2E0001")
    wrong_code = right_code[:-1] + ("0" if right_code[-1] != "0" else "1")

    # 1. 民政局 registers it, first with a mistyped code.
    _login(page, "mzj")
    page.click("nav >> text=登记管理")
    page.click("text=登记社会组织")
    page.fill("input[name=name]", NAME)
    page.select_option("select[name=org_type]", "service_institution")
    page.select_option("select[name=home_area]", "330903")
    page.fill("input[name=registered_on]", "2024-03-01")
    page.fill("input[name=admin_username]", "e2e_org_admin")
    page.fill("[data-testid=credit-code]", wrong_code)
    page.click("[data-testid=entry-submit]")
    message = page.locator("[data-testid=error-credit_code]")
    assert "第18位校验码不正确" in message.inner_text()
    page.fill("[data-testid=credit-code]", right_code)
    page.wait_for_selector("[data-testid=code-check]:has-text('代码有效')")  # the live check agrees
    page.click("[data-testid=entry-submit]")
    page.wait_for_url("**/record/")
    assert "已登记" in page.locator("main").inner_text()

    # 2. The organization's admin fills and submits its 2025 report.
    _login(page, "e2e_org_admin", "e2e-password-1")
    page.click("[data-testid=console-link]")
    page.click("[data-testid=report-2025]")
    page.fill("textarea[name=activities]", "开展社区助老服务 320 人次")
    page.fill("input[name=income]", "260000")
    page.fill("input[name=expense]", "241500.50")
    page.fill("input[name=staff_count]", "5")
    page.select_option("select[name=party_org]", "joint")
    page.click("[data-testid=report-submit]")
    page.wait_for_url("**/console/")
    assert "已提交待审核" in page.locator("[data-testid=console-reports]").inner_text()

    # 3. 民政局 marks it 合格.
    _login(page, "mzj")
    page.goto(f"{page.base_url}/orgs/reports/")
    page.locator("[data-testid=review-queue] tr", has_text=NAME).locator("text=审核").click()
    page.check("input[name=result][value=pass]")
    page.click("[data-testid=review-submit]")
    page.wait_for_url("**/orgs/reports/")
    assert NAME not in page.locator("[data-testid=review-queue]").inner_text()

    # 4. Anyone finds it in the directory, with its result.
    page.context.clear_cookies()
    page.goto(f"{page.base_url}/")
    page.click("[data-testid=home-directory]")
    page.fill("input[name=q]", "浏览器测试")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(f"[data-testid=directory] >> text={NAME}")
    # The search form swaps the results on both "change" and "submit": let both answers land before clicking,
    # or the click can hit a list that is being replaced (seen as a rare timeout on a busy machine).
    page.wait_for_load_state("networkidle")
    page.locator("[data-testid=directory] a", has_text=NAME).click()
    page.wait_for_url("**/orgs/*/")
    assert page.locator("[data-testid=org-name]").inner_text() == NAME
    assert "2025：合格" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
