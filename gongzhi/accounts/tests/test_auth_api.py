"""API authentication: tokens for a username and password, revocation, and login throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.accounts.models import ApiToken, LoginFailure, User
from gongzhi.accounts.services import token_authenticate, token_issue
from gongzhi.audit.models import AuditEntry

PASSWORD = "gongzhi-demo"


def obtain(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(
        "/api/v1/auth/token", {"username": username, "password": password, **extra}, content_type="application/json"
    )


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_token_for_demo_credentials(demo):
    response = obtain(Client(), "resident_a", name="手机应用")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["token"].startswith("gz_")
    token = ApiToken.objects.get(prefix=body["token"][:8])
    assert token.name == "手机应用"
    assert token.key_hash != body["token"]  # only the hash is kept
    assert AuditEntry.objects.filter(action="accounts.user.logged_in", actor_id=token.user_id).exists()

    me = bearer(body["token"]).get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == "resident_a"
    assert me.json()["display_name"] == "张阿姨"
    assert [r["role"] for r in me.json()["roles"]] == ["resident"]
    assert me.json()["roles"][0]["role_label"] == "居民"
    assert me.json()["roles"][0]["area"] == "330903003005-001"


def test_revoked_token_stops_working(demo):
    token = obtain(Client(), "org_a").json()["token"]
    client = bearer(token)
    assert client.get("/api/v1/auth/me").status_code == 200
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 200
    assert response.json()["detail"] == "令牌已吊销"
    after = client.get("/api/v1/auth/me")
    assert after.status_code == 401
    assert after.json()["code"] == "not_authenticated"
    assert "请先登录" in after.json()["detail"]


def test_a_token_of_a_deactivated_account_or_an_unknown_token_is_refused(demo):
    user = User.objects.get(username="org_a")
    raw = token_issue(user=user)[1]
    assert token_authenticate(raw) == user
    assert token_authenticate(raw[:-1] + ("x" if raw[-1] != "x" else "y")) is None
    assert token_authenticate("not-a-token") is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert bearer(raw).get("/api/v1/auth/me").status_code == 401


def test_the_last_use_is_written_at_most_once_a_minute(demo):
    """The check is made by the database on the stored time (text on SQLite): a second either side of the
    minute decides."""
    user = User.objects.get(username="org_a")
    token, raw = token_issue(user=user)
    assert token_authenticate(raw) == user
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=5)
    for seconds_ago, touched in ((58, False), (62, True)):
        before = timezone.now() - timedelta(seconds=seconds_ago)
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=before)
        found = token_authenticate(raw)
        assert found is not None and found.username == "org_a" and found.date_joined == user.date_joined
        after = ApiToken.objects.get(pk=token.pk).last_used_at
        assert (after != before) is touched, seconds_ago


def test_revoking_without_bearer_is_refused(web):
    client = web("org_a")
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 422
    assert "Bearer" in response.json()["detail"]


def test_wrong_password_is_422_in_chinese(demo):
    response = obtain(Client(), "resident_a", "wrong-password")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["detail"] == "用户名或密码不正确"
    assert response.json()["errors"] == {"password": ["用户名或密码不正确"]}


def test_unknown_user_gets_the_same_answer(demo):
    # No hint whether the account exists.
    unknown = obtain(Client(), "nobody_here", "wrong-password").json()
    known = obtain(Client(), "resident_a", "wrong-password").json()
    assert unknown == known


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": PASSWORD}, "username"),
        ({"username": "resident_a"}, "password"),
    ],
)
def test_missing_field_is_field_level_422(demo, payload, field):
    response = Client().post("/api/v1/auth/token", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == {field: ["此项为必填项"]}
    assert "此项为必填项" in response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "", "password": PASSWORD}, "username"),
        ({"username": "resident_a", "password": ""}, "password"),
    ],
)
def test_empty_field_is_422(demo, payload, field):
    response = Client().post("/api/v1/auth/token", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == {field: ["请输入用户名和密码"]}


def test_nul_in_username_is_an_ordinary_failure(demo):
    response = obtain(Client(), "resident\x00_a", "x")
    assert response.status_code == 422


def test_account_lockout_after_five_failures(demo, settings):
    client = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES_PER_ACCOUNT):
        assert obtain(client, "resident_a", "wrong-password").status_code == 422
    response = obtain(client, "resident_a")  # the right password, too late
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert "登录失败次数过多，已暂时锁定" in response.json()["detail"]
    retry = int(response["Retry-After"])
    assert 0 < retry <= settings.LOGIN_WINDOW_SECONDS
    assert response.json()["retry_after"] == retry
    # Other accounts from the same address still work.
    assert obtain(client, "resident_b").status_code == 200


def test_lockout_counts_the_account_case_insensitively(demo, settings):
    for name in ("Resident_A", "RESIDENT_A", "resident_a", "resident_A", "ReSiDeNt_A"):
        obtain(Client(), name, "wrong-password")
    assert obtain(Client(), "resident_a").status_code == 429


def test_lockout_ends_when_the_window_passes(demo, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES_PER_ACCOUNT):
        obtain(Client(), "resident_a", "wrong-password")
    assert obtain(Client(), "resident_a").status_code == 429
    settings.LOGIN_WINDOW_SECONDS = 0  # every failure is now older than the window
    assert obtain(Client(), "resident_a").status_code == 200


def test_address_lockout_across_usernames(demo, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    client = Client(REMOTE_ADDR="10.1.2.3")
    for name in ("resident_a", "org_a", "nobody"):
        assert obtain(client, name, "wrong-password").status_code == 422
    response = obtain(client, "resident_b")
    assert response.status_code == 429
    assert "此网络地址登录失败次数过多" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    # Another address is not affected.
    assert obtain(Client(REMOTE_ADDR="10.1.2.4"), "resident_b").status_code == 200


def test_success_clears_the_accounts_failures(demo, settings):
    client = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES_PER_ACCOUNT - 1):
        obtain(client, "resident_a", "wrong-password")
    assert obtain(client, "resident_a").status_code == 200
    assert not LoginFailure.objects.filter(username="resident_a").exists()
    for _ in range(settings.LOGIN_MAX_FAILURES_PER_ACCOUNT - 1):
        obtain(client, "resident_a", "wrong-password")
    assert obtain(client, "resident_a").status_code == 200


def test_inactive_user_gets_no_token_and_loses_existing_ones(demo, user):
    token = obtain(Client(), "resident_b").json()["token"]
    resident = user("resident_b")
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    assert obtain(Client(), "resident_b").status_code == 422
    assert bearer(token).get("/api/v1/auth/me").status_code == 401


def test_garbage_bearer_is_401(demo):
    for header in ("Bearer gz_not-a-real-token", "Bearer ", "Bearer abc", "Basic dXNlcjpwYXNz"):
        response = Client(headers={"Authorization": header}).get("/api/v1/auth/me")
        assert response.status_code == 401, header


def test_session_api_post_needs_csrf(demo, user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("community_xp"))
    assert client.get("/api/v1/auth/me").status_code == 200  # reads are fine
    response = client.post("/api/v1/areas/330903003005/grids", {"name": "跨站网格"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    client.get("/account/")  # sets the CSRF cookie, as the browser would have it
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/areas/330903003005/grids",
        {"name": "本站网格"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


def test_bearer_api_post_needs_no_csrf(demo, user):
    _token, raw = token_issue(user=user("community_xp"))
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})
    response = client.post("/api/v1/areas/330903003005/grids", {"name": "令牌网格"}, content_type="application/json")
    assert response.status_code == 201


@pytest.mark.postgres_only
def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(transactional_db, settings):
    """Found by a probe: 30 parallel wrong passwords got 9-11 real password checks against a limit of 5."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SQLite's test database is not shared between threads)")
    answers: list[int] = []
    start = threading.Barrier(30)

    def attempt() -> None:
        try:
            start.wait()
            answers.append(obtain(Client(REMOTE_ADDR="10.3.3.3"), "resident_a", "wrong-password").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 30
    assert answers.count(422) <= settings.LOGIN_MAX_FAILURES_PER_ACCOUNT  # 422: the password was checked
    assert answers.count(429) >= 30 - settings.LOGIN_MAX_FAILURES_PER_ACCOUNT


def test_a_token_stops_working_after_its_lifetime(demo, settings):
    from datetime import timedelta

    from django.utils import timezone

    from gongzhi.accounts.models import ApiToken

    token = obtain(Client(), "resident_b").json()["token"]
    assert bearer(token).get("/api/v1/orders").status_code == 200
    ApiToken.objects.filter(user__username="resident_b").update(
        created_at=timezone.now() - timedelta(days=settings.TOKEN_DAYS, minutes=1)
    )
    assert bearer(token).get("/api/v1/orders").status_code == 401
