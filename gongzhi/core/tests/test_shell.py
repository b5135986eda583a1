"""The web shell: pages in Chinese, login walls, staff-only pages, elder mode, language, workspaces."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gongzhi.accounts.models import User
from gongzhi.core.middleware import ELDER_COOKIE

XINGPU = "330903003005"


def html_class(body: str) -> str:
    match = re.search(r'<html lang="[^"]*" class="([^"]*)"', body)
    assert match, "no <html> tag"
    return match.group(1)


@pytest.mark.parametrize(
    ("path", "username", "text"),
    [
        ("/", None, "共治：大家的事，大家一起办"),
        ("/login/", None, "忘记密码请联系所在社区或系统管理员重置"),
        ("/workspace/", "community_xp", "社区工作台"),
        ("/account/", "community_xp", "我的账号"),
        ("/areas/", "community_xp", "区域与网格"),
        (f"/areas/{XINGPU}/", "community_xp", "兴普社区"),
    ],
)
def test_pages_render_in_chinese(web, path, username, text):
    response = web(username).get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans"' in body
    assert text in body
    assert "社区共治平台</title>" in body
    assert "跳到正文" in body  # the skip link of the shell
    if username:
        assert "退出" in body
    else:
        assert ">登录<" in body


@pytest.mark.parametrize("path", ["/workspace/", "/account/", "/areas/", f"/areas/{XINGPU}/"])
def test_anonymous_is_sent_to_login(web, path):
    response = web(None).get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("username", ["resident_a", "org_a"])
def test_area_pages_are_404_for_non_staff(web, username):
    response = web(username).get("/areas/")
    assert response.status_code == 404
    assert "页面不存在，或您无权查看" in response.content.decode()


def test_unknown_page_is_a_chinese_404(web):
    response = web(None).get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在，或您无权查看" in response.content.decode()


def test_navigation_follows_the_role(web):
    staff = web("community_xp").get("/workspace/").content.decode()
    assert 'href="/areas/"' in staff
    resident = web("resident_a").get("/workspace/").content.decode()
    assert 'href="/areas/"' not in resident
    assert 'href="/account/"' in resident


# ---- workspaces ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "title"),
    [
        ("resident_a", "居民首页"),
        ("org_a", "社会组织工作台"),
        ("community_xp", "社区工作台"),
        ("street_dg", "街道工作台"),
        ("dept_wj", "职能部门工作台"),
        ("mzj", "民政局工作台"),
        ("expert_a", "评审专家工作台"),
        ("admin", "系统管理"),
        ("grid_xp1", "网格员工作台"),
    ],
)
def test_each_role_has_its_workspace(web, username, title):
    body = web(username).get("/workspace/").content.decode()
    assert f'<h1 data-testid="workspace-title">{title}</h1>' in body
    assert f"<title>{title} · 社区共治平台</title>" in body


def test_workspace_lists_my_scopes(web):
    body = web("grid_xp1").get("/workspace/").content.decode()
    assert "网格员 · 兴普一网格" in body


def test_user_without_roles_is_told_what_to_do(demo):
    client = Client()
    client.force_login(User.objects.create_user(username="newcomer", password="gongzhi-demo-3"))
    body = client.get("/workspace/").content.decode()
    assert '<h1 data-testid="workspace-title">工作台</h1>' in body
    assert "您的账号还没有被授予任何角色" in body


# ---- elder mode ----------------------------------------------------------------------------------


def test_elder_mode_for_anonymous_follows_the_cookie(demo):
    client = Client()
    assert "elder" not in html_class(client.get("/").content.decode())
    response = client.post("/elder/", {"enabled": "1", "next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    cookie = response.cookies[ELDER_COOKIE]
    assert cookie.value == "1"
    assert cookie["httponly"]
    assert cookie["max-age"] > 30 * 24 * 3600
    body = client.get("/login/").content.decode()
    assert html_class(body) == "elder"
    assert "标准模式" in body
    client.post("/elder/", {"enabled": "0"})
    assert html_class(client.get("/").content.decode()) == ""


def test_elder_mode_follows_the_logged_in_user(web, user):
    client = web("resident_a")
    client.post("/elder/", {"enabled": "1", "next": "/workspace/"})
    assert user("resident_a").elder_mode is True
    assert html_class(client.get("/workspace/").content.decode()) == "elder"
    # On another device, too.
    other = web("resident_a")
    assert html_class(other.get("/workspace/").content.decode()) == "elder"
    other.post("/elder/", {"enabled": "0"})
    assert user("resident_a").elder_mode is False
    assert html_class(client.get("/workspace/").content.decode()) == ""


def test_elder_mode_shows_fewer_items(web):
    client = web("community_xp")
    client.post("/elder/", {"enabled": "1"})
    body = client.get("/workspace/").content.decode()
    assert 'href="/areas/"' not in body
    assert 'href="/account/"' in body
    assert 'name="language"' not in body  # one less choice on the top bar


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "http://evil.example/x"])
def test_elder_toggle_refuses_an_open_redirect(demo, target):
    response = Client().post("/elder/", {"enabled": "1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_elder_toggle_is_post_only(demo):
    assert Client().get("/elder/").status_code == 405


def test_elder_toggle_needs_csrf(demo):
    assert Client(enforce_csrf_checks=True).post("/elder/", {"enabled": "1"}).status_code == 403


# ---- language ------------------------------------------------------------------------------------


def test_switch_to_english_and_back(demo):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    body = client.get("/login/").content.decode()
    assert '<html lang="en"' in body
    assert 'name="language" value="zh-hans"' in body  # the way back
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans"' in client.get("/").content.decode()


def test_language_switch_refuses_an_open_redirect(demo):
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_browser_language_does_not_override_chinese_default(demo):
    body = Client(headers={"Accept-Language": "fr"}).get("/").content.decode()
    assert '<html lang="zh-hans"' in body


def test_health(demo):
    assert Client().get("/health").json() == {"status": "ok"}
