"""Signing in and out on the web, the account page, and CSRF protection of forms."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from gongzhi.accounts.models import ApiToken
from gongzhi.accounts.services import token_issue

PASSWORD = "gongzhi-demo"


def login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


def test_login_page_is_a_chinese_form(demo):
    response = Client().get("/login/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "<h1>登录</h1>",
        "用户名",
        "密码",
        'name="csrfmiddlewaretoken"',
        'autocomplete="current-password"',
        "忘记密码请联系所在社区或系统管理员重置",
    ):
        assert text in body


def test_login_lands_on_the_workspace(demo):
    client = Client()
    response = login(client, "resident_a")
    assert response.status_code == 302
    assert response["Location"] == "/workspace/"
    assert client.get("/workspace/").status_code == 200


def test_wrong_password_shows_the_message(demo):
    response = login(Client(), "resident_a", "wrong-password")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="login-error"' in body
    assert "用户名或密码不正确" in body
    assert 'value="resident_a"' in body  # the username is kept, the password is not
    assert "wrong-password" not in body


def test_empty_form_says_what_is_missing(demo):
    response = Client().post("/login/", {"username": "", "password": ""})
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode()


def test_lockout_shows_the_message_with_429(demo, settings):
    client = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES_PER_ACCOUNT):
        login(client, "org_a", "wrong-password")
    response = login(client, "org_a")
    assert response.status_code == 429
    assert "登录失败次数过多，已暂时锁定" in response.content.decode()
    assert client.get("/workspace/").status_code == 302  # still not signed in


@pytest.mark.parametrize("target", ["/account/", "/areas/330903003005/"])
def test_login_follows_a_local_next(demo, target):
    response = login(Client(), "community_xp", next=target)
    assert response["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://evil.example/workspace/",
        "javascript:alert(1)",
        "/\\evil.example",
    ],
)
def test_login_refuses_an_open_redirect(demo, target):
    client = Client()
    page = client.get("/login/", {"next": target}).content.decode()
    assert f'value="{escape(target)}"' not in page
    response = login(client, "resident_a", next=target)
    assert response.status_code == 302
    assert response["Location"] == "/workspace/"


def test_login_page_keeps_a_local_next(demo):
    body = Client().get("/login/", {"next": "/account/"}).content.decode()
    assert 'name="next" value="/account/"' in body


def test_logout_is_post_only(web):
    client = web("resident_a")
    assert client.get("/logout/").status_code == 405
    assert client.get("/workspace/").status_code == 200  # still signed in
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "您已安全退出" in client.get("/").content.decode()
    assert client.get("/workspace/").status_code == 302


def test_login_form_needs_csrf(demo):
    client = Client(enforce_csrf_checks=True)
    response = login(client, "resident_a")
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    client.get("/login/")
    response = login(client, "resident_a", csrfmiddlewaretoken=client.cookies["csrftoken"].value)
    assert response.status_code == 302


def test_logout_form_needs_csrf(demo, user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("resident_a"))
    assert client.post("/logout/").status_code == 403
    assert client.get("/workspace/").status_code == 200


# ---- the account page ----------------------------------------------------------------------------


def test_account_page_lists_roles_and_tokens(web, user):
    token, _raw = token_issue(user=user("org_a"), name="对接系统")
    body = web("org_a").get("/account/").content.decode()
    assert "社会组织管理员 · 舟山市普陀区海韵社会工作服务中心" in body
    assert f"{token.prefix}…" in body and "对接系统" in body


def test_account_page_needs_login(demo):
    response = Client().get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/account/"


def test_revoke_my_token_on_the_web(web, user):
    token, _raw = token_issue(user=user("org_a"))
    response = web("org_a").post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize("persona", ["org_b", "resident_a"])
def test_revoking_someone_elses_token_on_the_web_is_404(web, user, persona):
    token, _raw = token_issue(user=user("org_a"))
    response = web(persona).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert f"{token.prefix}…" not in web(persona).get("/account/").content.decode()


def _failing_from(addr: str, username: str, times: int) -> None:
    for _ in range(times):
        login(Client(REMOTE_ADDR=addr), username, "wrong-password")


def test_nobody_can_lock_the_owner_out_of_a_device_they_used_before(demo, settings):
    """Failing on purpose from many addresses locks the account for strangers, not for its owner's own phone."""
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT_ANYWHERE = 6
    phone = Client(REMOTE_ADDR="10.9.0.1")
    assert login(phone, "resident_a").status_code == 302  # the owner signed in here once
    phone.post("/logout/")
    for n in range(4):
        _failing_from(f"10.8.0.{n}", "resident_a", 2)
    stranger = login(Client(REMOTE_ADDR="10.7.0.1"), "resident_a")
    assert stranger.status_code == 429 and "以前登录过的设备" in stranger.content.decode()
    assert login(phone, "resident_a").status_code == 302


def test_a_shared_address_does_not_lock_out_the_people_behind_it(demo, settings):
    """A community centre behind one NAT: failures of some do not stop others who signed in there before."""
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    centre = "10.1.2.3"
    known = Client(REMOTE_ADDR=centre)
    assert login(known, "resident_b").status_code == 302
    known.post("/logout/")
    for name in ("resident_a", "org_a", "nobody"):
        login(Client(REMOTE_ADDR=centre), name, "wrong-password")
    assert login(Client(REMOTE_ADDR=centre), "community_xp").status_code == 429  # a stranger to this address
    assert login(known, "resident_b").status_code == 302


def test_a_forged_device_cookie_counts_for_nothing(demo, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT_ANYWHERE = 2
    _failing_from("10.8.1.1", "resident_a", 1)
    _failing_from("10.8.1.2", "resident_a", 1)
    forged = Client(REMOTE_ADDR="10.8.1.3")
    forged.cookies["gz_device"] = "eyJ1IjoxfQ:forged:signature"
    assert login(forged, "resident_a").status_code == 429


def _change(client: Client, current: str, new: str, again: str | None = None):
    return client.post("/account/password/", {"current": current, "new": new, "new_again": again or new})


def test_changing_my_password_revokes_my_tokens_and_keeps_me_signed_in(web, user, api):
    from gongzhi.accounts.models import ApiToken
    from gongzhi.audit.models import AuditEntry

    token_client = api("resident_a")
    assert token_client.get("orders").status_code == 200
    client = web("resident_a")
    response = _change(client, PASSWORD, "海港新村-2026-春")
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get("/workspace/").status_code == 200  # the session stays
    assert token_client.get("orders").status_code == 401  # the token does not
    assert not ApiToken.objects.filter(user=user("resident_a"), revoked_at__isnull=True).exists()
    assert user("resident_a").check_password("海港新村-2026-春")
    assert AuditEntry.objects.filter(action="accounts.password.changed", actor=user("resident_a")).exists()


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "message"),
    [
        ("wrong-password", "海港新村-2026-春", None, "current", "当前密码不正确"),
        (PASSWORD, "海港新村-2026-春", "海港新村-2026-夏", "new_again", "两次输入的新密码不一致"),
        (PASSWORD, "1234567890123", None, "new", "密码只包含数字"),
        (PASSWORD, "short", None, "new", "太短"),
    ],
)
def test_password_rules_are_said_in_chinese_and_change_nothing(web, user, current, new, again, field, message):
    response = _change(web("resident_a"), current, new, again)
    assert response.status_code == 422
    page = response.content.decode()
    assert f'data-field="{field}"' in page and message in page
    assert user("resident_a").check_password(PASSWORD)


def test_the_password_page_needs_a_login(demo):
    assert Client().get("/account/password/").status_code == 302
