"""Integration keys: issued by an admin (admin site or command line), tied to an area, revocable."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongzhi.accounts.models import Grant, Role
from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.open311.models import ApiKey
from gongzhi.open311.selectors import api_key_find, hash_key
from gongzhi.open311.services import api_key_issue, api_key_revoke
from gongzhi.open311.tests.conftest import request_fields


def test_issue_makes_a_system_user_with_a_resident_grant_on_the_area(user):
    key, raw = api_key_issue(actor=user("admin"), name="城市App", area_code="330903003")
    assert raw.startswith("o311_") and len(raw) > 30
    assert key.key_hash == hash_key(raw) and raw not in key.key_hash
    assert not key.user.has_usable_password()
    assert [(g.role, g.area.code) for g in Grant.objects.filter(user=key.user)] == [(Role.RESIDENT, "330903003")]
    assert key.created_by == user("admin")
    assert api_key_find(raw) == key
    assert AuditEntry.objects.filter(action="open311.api_key.issued", target_id=str(key.pk)).exists()


def test_revoke_stops_the_key_and_its_user(user):
    key, raw = api_key_issue(actor=None, name="城市App", area_code="330903003")
    api_key_revoke(actor=user("admin"), key_id=key.pk)
    key.refresh_from_db()
    assert key.revoked_at is not None and not key.user.is_active
    assert api_key_find(raw) is None
    assert api_key_revoke(actor=None, key_id=key.pk).revoked_at == key.revoked_at  # twice: no change


@pytest.mark.parametrize("username", ["street_dg", "mzj", "community_xp", "resident_a", "org_a"])
def test_only_admins_issue_or_revoke(user, username):
    with pytest.raises(PermissionDenied):
        api_key_issue(actor=user(username), name="城市App", area_code="330903003")
    key, _raw = api_key_issue(actor=None, name="城市App", area_code="330903003")
    with pytest.raises(PermissionDenied):
        api_key_revoke(actor=user(username), key_id=key.pk)


@pytest.mark.parametrize(
    "area,name", [("999999", "城市App"), ("330902", "城市App"), ("330903003", ""), ("330903003", "名" * 101)]
)
def test_issue_checks_name_and_area(demo, area, name):
    with pytest.raises(ValidationFailed):
        api_key_issue(actor=None, name=name, area_code=area)


def test_command_issue_list_revoke(o311):
    out = StringIO()
    call_command("open311_key", "issue", "--name", "热线系统", "--area", "330903003005", stdout=out)
    raw = re.search(r"(o311_\S+)", out.getvalue()).group(1)
    assert o311.post("requests.json", request_fields(api_key=raw)).status_code == 200
    key = api_key_find(raw)
    listing = StringIO()
    call_command("open311_key", "list", stdout=listing)
    assert f"#{key.pk}\t{key.prefix}…\t330903003005\tactive\t热线系统" in listing.getvalue()
    call_command("open311_key", "revoke", key.prefix, stdout=StringIO())
    assert o311.post("requests.json", request_fields(api_key=raw)).status_code == 403
    with pytest.raises(CommandError):
        call_command("open311_key", "issue", "--name", "x", "--area", "000", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("open311_key", "revoke", "nope", stdout=StringIO())


def test_admin_issues_a_key_and_shows_it_once(web, o311):
    admin = web("admin")
    response = admin.post("/admin/open311/apikey/add/", {"name": "街道小程序", "area_code": "330903003"}, follow=True)
    assert response.status_code == 200
    shown = re.search(r"(o311_[\w-]+)", response.content.decode()).group(1)
    assert o311.post("requests.json", request_fields(api_key=shown)).status_code == 200
    key = ApiKey.objects.get(name="街道小程序")
    assert shown not in admin.get(f"/admin/open311/apikey/{key.pk}/change/").content.decode()
    refused = admin.post("/admin/open311/apikey/add/", {"name": "别处", "area_code": "110101"})
    assert refused.status_code == 200 and "110101" in refused.content.decode()  # the form says what is wrong
    admin.post("/admin/open311/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert o311.post("requests.json", request_fields(api_key=shown)).status_code == 403


@pytest.mark.parametrize("username", [None, "resident_a", "street_dg", "mzj"])
@pytest.mark.parametrize("page", ["apikey", "submission", "serviceattribute", "jurisdiction", "communitylocation"])
def test_outsiders_cannot_open_the_admin_pages(web, username, page):
    response = web(username).get(f"/admin/open311/{page}/")
    assert response.status_code in (302, 403)
    assert "/admin/login/" in response.get("Location", "/admin/login/")


def test_key_hash_is_not_the_key(demo):
    key = ApiKey.objects.get(prefix="demo-ope")
    assert "demo-open311-key" not in key.key_hash
