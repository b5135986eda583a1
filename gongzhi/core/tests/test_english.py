"""English, the second language: pages and service errors come out in English when it is chosen."""

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from gongzhi.accounts.services import grant_add, login_check
from gongzhi.core.errors import ApplicationError, ValidationFailed
from gongzhi.core.uploads import _too_many_pixels

PACKAGE = Path(__file__).resolve().parents[2]
CATALOG = PACKAGE / "locale" / "en" / "LC_MESSAGES"


@pytest.fixture(scope="module", autouse=True)
def english_catalog() -> None:
    """The .mo is git-ignored: compile it when it is missing or older than the .po."""
    po, mo = CATALOG / "django.po", CATALOG / "django.mo"
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (GNU gettext) is not installed, so the English catalog cannot be compiled")
    call_command("compilemessages", locale=["en"], verbosity=0)
    # Django caches loaded catalogs per process; drop them so the fresh .mo is read.
    from django.utils.translation import trans_real

    trans_real._translations = {}


def _english(client: Client) -> Client:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def test_setlang_switches_home_and_login_to_english(demo: None) -> None:
    client = _english(Client())
    home = client.get("/").content.decode()
    assert "our affairs, handled together" in home
    assert "共治：大家的事" not in home
    login = client.get("/login/").content.decode()
    assert "Log in" in login
    assert "登录" not in login


def test_accept_language_header_gives_english(demo: None) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/login/").content.decode()
    assert "Log in" in page


def test_chinese_stays_the_default(demo: None) -> None:
    page = Client().get("/login/").content.decode()
    assert "登录" in page
    assert "Log in" not in page


def test_resident_workspace_in_english(web) -> None:
    client = _english(web("resident_a"))
    page = client.get("/workspace/").content.decode()
    assert "Resident home" in page
    assert "Post a need" in page
    assert "居民首页" not in page


def test_service_errors_in_english(db: None, user) -> None:
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as wrong:
            login_check(username="resident_a", password="not-the-password", ip=None)
        assert wrong.value.errors["password"] == ["Incorrect username or password"]

        with pytest.raises(ValidationFailed) as unknown:
            grant_add(actor=user("admin"), user=user("resident_b"), role="pirate")
        assert unknown.value.errors["role"] == ["Unknown role: pirate"]

        assert str(ApplicationError().message) == "The request could not be completed"


def test_brace_placeholders_survive_translation() -> None:
    """msgfmt checks %(name)s placeholders; the {name} ones in photo errors are checked here."""

    with translation.override("en"):
        error = _too_many_pixels("a.jpg", (9000, 9000))
    message = next(iter(error.errors.values()))[0]
    assert "a.jpg" in message and "9000×9000" in message
    assert not re.search(r"\{\w+\}", message)


@pytest.mark.django_db
def test_a_task_left_by_a_dead_worker_says_so_in_english() -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from gongzhi.core import scheduler, services

    row = DBTaskResult.objects.get(pk=scheduler.run_job.enqueue("gongzhi.notify.services.outbox_sweep").id)
    row.claim("worker-that-died")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - timedelta(hours=1))
    with translation.override("en"):
        assert services.tasks_reap_stale() == 1
    row.refresh_from_db()
    assert "The worker stopped while running this task" in row.traceback
    assert "not finished after 30 minutes" in row.traceback
