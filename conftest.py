"""Shared test fixtures: the demo data, clients acting as demo users, and the browser.

Every domain's tests use the real demo personas (resident_a, org_a, community_xp, …) so that a
test reads like the story it checks.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

os.environ.setdefault("GONGZHI_TESTING", "1")

# Machines running CI are shared and noisy: no example deadlines, no "generation is slow" failures.
# Speed is measured in bench/, never in tests.
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

hypothesis_settings.register_profile("gongzhi", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("gongzhi")


def _load_demo() -> None:
    from gongzhi.accounts.models import User
    from gongzhi.core.demo import load_demo
    from gongzhi.orders.defaults import ensure_default_categories
    from gongzhi.orders.models import Category

    if not User.objects.filter(username="admin").exists():
        # What the data migrations seed, then the demo: the state every test starts from.
        ensure_default_categories(Category)
        load_demo(extra={"history": False})  # tests build the orders they need


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        _load_demo()


# ---- transactional tests -------------------------------------------------------------------------
# A transactional test (live server, browser, real row-lock races) commits, so the database is flushed
# after it. Every test must start from the same state whatever ran before it on the same worker, so the
# baseline (seeded categories and the demo) is restored right after that flush, in the flushing test's
# own teardown. Django's serialized rollback is not used: it cannot work in browser tests (Playwright's
# event loop gives Django a connection without the serialized copy), and mixing it with plain flushes
# made the suite depend on test order (content types re-created by one flush collided with the next
# test's deserialisation).


@pytest.fixture
def _baseline_after_flush(django_db_blocker: Any) -> Iterator[None]:
    yield  # torn down after _django_db_helper, i.e. after the flush
    with django_db_blocker.unblock():
        _load_demo()


@pytest.fixture
def transactional_db(_baseline_after_flush: None, _django_db_helper: None) -> None:
    """pytest-django's fixture, with the baseline restored after the flush that ends the test."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("serialized_rollback")):
            raise pytest.UsageError(
                f"{item.nodeid}: request the transactional_db fixture instead of "
                "django_db(transaction=True/serialized_rollback=True), so the baseline is restored after the flush"
            )


@pytest.fixture(autouse=True)
def _media_root(tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in Chinese: a request in English activates that language for the thread, and
    it must not carry over into the next test on the same worker."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    """The working-day calendar caches years in memory; a test's rollback must not leave one behind."""
    from gongzhi.workdays.selectors import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def demo(db: Any) -> None:
    """The Putuo demo data (loaded once per test database; reloaded after a flush)."""
    _load_demo()


@pytest.fixture
def user(demo: None) -> Callable[[str], Any]:
    from gongzhi.accounts.models import User

    def get(username: str) -> Any:
        return User.objects.get(username=username)

    return get


class ApiClient:
    """A Django test client that calls /api/v1/ with a bearer token and JSON bodies."""

    def __init__(self, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers)

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"/api/v1/{path}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(self._url(path), params)

    def post(self, path: str, json: Any = None, *, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        if data is not None:
            return self.client.post(self._url(path), data, headers=headers or {})
        return self.client.post(
            self._url(path), json if json is not None else {}, content_type="application/json", headers=headers or {}
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(self._url(path))


@pytest.fixture
def api(demo: None) -> Callable[[str | None], ApiClient]:
    """``api("org_a")`` calls the API as org_a; ``api(None)`` as nobody."""
    from gongzhi.accounts.models import User
    from gongzhi.accounts.services import token_issue

    cache: dict[str | None, ApiClient] = {}

    def make(username: str | None) -> ApiClient:
        if username not in cache:
            token = token_issue(user=User.objects.get(username=username))[1] if username else None
            cache[username] = ApiClient(token)
        return cache[username]

    return make


@pytest.fixture
def web(demo: None) -> Callable[[str | None], Client]:
    """``web("resident_a")`` is a browser-like client logged in as resident_a (CSRF checks on)."""
    from gongzhi.accounts.models import User

    def make(username: str | None) -> Client:
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        return client

    return make


# ---- the browser ---------------------------------------------------------------------------------

CHROMIUM = os.environ.get("GONGZHI_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        reason = f"Debian chromium not found at {CHROMIUM} (apt-get install chromium): browser test skipped"
        if os.environ.get("GONGZHI_REQUIRE_BROWSER"):
            pytest.fail(reason.replace("skipped", "required by GONGZHI_REQUIRE_BROWSER"))
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are fine.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, live_server: Any, transactional_db: Any) -> Iterator[Any]:
    _load_demo()
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.base_url = live_server.url  # type: ignore[attr-defined]
    yield pg
    context.close()


def browser_login(page: Any, username: str, password: str = "gongzhi-demo") -> None:  # noqa: S107
    page.goto(f"{page.base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{page.base_url}/workspace/")
