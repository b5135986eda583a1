"""The inbox in a real browser on a phone-sized screen: mark one read with HTMX, then all, in elder mode too.

(Named to run after the app's other database tests: the browser's live server needs a transactional
database, and the flush that ends it takes the rows migrations seed with it.)"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def _login(page, username: str) -> None:
    # The header's elder-mode toggle is also a submit button: aim at the login form's own button.
    page.goto(f"{page.base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "gongzhi-demo")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{page.base_url}/workspace/")


def _seed() -> None:
    from gongzhi.accounts.models import User
    from gongzhi.notify.models import Notification
    from gongzhi.notify.services import notify

    resident = User.objects.get(username="resident_a")
    Notification.objects.filter(recipient=resident).delete()
    for n in (1, 2):
        notify(
            recipients=[resident],
            kind="orders.accepted",
            title=f"您的需求已被接单（{n}）",
            body="海韵社工将在两天内上门。",
            url="/inbox/",
            event_key=f"e2e:{n}",
        )


def test_mark_read_and_read_all_without_reloading(page):
    _seed()
    _login(page, "resident_a")
    page.click("[data-testid=elder-toggle]")  # the 70-year-old's view: large type
    page.goto(f"{page.base_url}/inbox/")
    assert page.locator("html.elder").count() == 1
    assert page.locator("[data-testid=inbox-unread]").inner_text() == "2"
    assert page.locator("[data-unread='1']").count() == 2

    page.locator("[data-testid=mark-read]").first.click()
    page.wait_for_selector("[data-testid=inbox-unread]:text-is('1')")
    assert page.locator("[data-unread='1']").count() == 1

    page.click("[data-testid=read-all]")
    page.wait_for_selector("[data-testid=inbox-unread]:text-is('0')")
    assert page.locator("[data-unread='1']").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
