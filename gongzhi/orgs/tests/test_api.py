"""The organization, talent and resource APIs: behaviour, error codes, and outsiders on every endpoint."""

from __future__ import annotations

import io
import json
from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.orgs.models import AnnualReport, Booking, Membership, Organization, Resource, ServiceOffer, Talent

pytestmark = pytest.mark.django_db
ORG_A = "舟山市普陀区海韵社会工作服务中心"


def _send(client, method: str, path: str, body=None):
    """PUT and PATCH with JSON (the shared ApiClient only has GET, POST and DELETE)."""
    url = path if path.startswith("/") else f"/api/v1/{path}"
    if method == "get":
        return client.get(path)
    if method == "post":
        return client.post(path, body or {})
    return getattr(client.client, method)(url, json.dumps(body or {}), content_type="application/json")


def _slot(days: int, hour: int) -> str:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone()).isoformat()


@pytest.fixture
def ids(demo):
    org_a = Organization.objects.get(name=ORG_A)
    return {
        "org": org_a.pk,
        "incubating": Organization.objects.get(status="incubating").pk,
        "member": Membership.objects.filter(organization=org_a, role="admin").first().pk,
        "offer": ServiceOffer.objects.filter(organization=org_a).first().pk,
        "report": AnnualReport.objects.get(organization__name="舟山市普陀区海之翼公益基金会", year=2025).pk,
        "talent": Talent.objects.get(name="吴律师").pk,
        "room": Resource.objects.get(name="兴普社区邻里中心多功能活动室").pk,
        "booking": Booking.objects.get(purpose="邻里互助会月度例会").pk,
    }


# ---- outsiders on every endpoint ------------------------------------------------------------------------

OUTSIDER_CASES = [
    # (who, method, path, body, expected status)
    ("resident_a", "get", "orgs/{incubating}", None, 404),
    (None, "get", "orgs/{incubating}", None, 404),
    ("resident_a", "post", "orgs/incubations", {"name": "x", "incubator": "y", "incubation_start": "2026-01-01"}, 403),
    (
        "org_a",
        "post",
        "orgs/registrations",
        {
            "name": "越权登记的协会",
            "org_type": "social_group",
            "home_area": "330903",
            "credit_code": "52330903MJ9000006W",
        },
        403,
    ),
    ("resident_a", "post", "orgs/filings", {"name": "越权备案的队伍", "home_area": "330903003005"}, 403),
    ("org_a", "post", "orgs/{incubating}/registration", {"credit_code": "x"}, 404),
    ("org_a", "post", "orgs/{incubating}/filing", {}, 404),
    ("org_a", "post", "orgs/{org}/activate", {}, 404),
    ("street_dg", "post", "orgs/{org}/suspend", {"reason": "x"}, 404),
    ("resident_a", "post", "orgs/{org}/abnormal", {"reason": "x"}, 404),
    ("org_b", "post", "orgs/{org}/restore", {"reason": "x"}, 404),
    ("community_xp", "post", "orgs/{org}/deregister", {"reason": "x"}, 404),
    ("org_b", "get", "orgs/{org}/history", None, 404),
    ("street_dg", "post", "orgs/{org}/grades", {"grade": 5, "awarded_on": "2025-01-01"}, 404),
    ("resident_a", "get", "orgs/{org}/eligibility", None, 404),
    ("org_b", "patch", "orgs/{org}/profile", {"summary": "x"}, 404),
    ("org_b", "get", "orgs/{org}/members", None, 404),
    ("org_b", "post", "orgs/{org}/members", {"username": "resident_a"}, 404),
    ("mzj", "post", "orgs/{org}/volunteers", {"name": "x"}, 404),
    ("org_b", "post", "orgs/members/{member}/remove", {}, 404),
    ("org_b", "post", "orgs/{org}/offers", {"category_code": "x", "title": "y"}, 404),
    ("org_b", "patch", "orgs/offers/{offer}", {"active": False}, 404),
    ("street_dg", "get", "orgs/export", None, 403),
    ("org_b", "get", "orgs/{org}/reports", None, 404),
    ("mzj", "put", "orgs/{org}/reports/2025", {"activities": "x"}, 404),
    ("org_b", "post", "orgs/{org}/reports/2025/submit", {}, 404),
    ("org_a", "get", "orgs/reports/{report}", None, 404),
    ("org_a", "post", "orgs/reports/{report}/review", {"result": "pass"}, 404),
    ("street_dg", "post", "orgs/reports/{report}/return", {"note": "x"}, 404),
    ("resident_a", "get", "talents/{talent}", None, 404),
    ("org_a", "patch", "talents/{talent}", {"tags": "x"}, 404),
    ("grid_xp1", "post", "talents/{talent}/reveal", {}, 404),
    (
        "resident_a",
        "post",
        "talents",
        {"kind": "volunteer", "name": "x", "area": "330903003005", "skills": ["arts"]},
        403,
    ),
    ("resident_a", "post", "resources", {"kind": "venue", "name": "x", "area": "330903003005"}, 403),
    ("org_a", "post", "resources/{room}/active", {"active": False}, 404),
    ("org_a", "post", "resources/bookings/{booking}/approve", {}, 404),
    ("resident_a", "post", "resources/bookings/{booking}/reject", {"note": "x"}, 404),
    ("org_a", "post", "resources/bookings/{booking}/cancel", {}, 404),
    (None, "get", "resources", None, 401),
    (None, "get", "resources/{room}", None, 401),
    (None, "get", "resources/{room}/calendar", None, 401),
    (None, "post", "resources/{room}/bookings", {"start": "x", "end": "y", "purpose": "z"}, 401),
    (None, "get", "talents/skills", None, 401),
    (None, "post", "orgs/check-credit-code", {"code": "x"}, 401),
]


@pytest.mark.parametrize(("who", "method", "path", "body", "status"), OUTSIDER_CASES)
def test_outsiders(api, ids, who, method, path, body, status):
    response = _send(api(who), method, path.format(**ids), body)
    assert response.status_code == status, response.content.decode()


def test_outsider_imports_nothing(api):
    response = api("org_a").post("orgs/import", data={"file": SimpleUploadedFile("a.xlsx", b"x")})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("resident_a", "orgs/registry"),
        ("org_a", "orgs/reports/review"),
        ("resident_a", "talents"),
        ("resident_a", "resources/bookings/to-decide"),
        ("resident_b", "resources/bookings/mine"),
    ],
)
def test_outsider_lists_are_empty(api, who, path):
    data = api(who).get(path).json()
    assert (data["items"] if isinstance(data, dict) else data) == []


# ---- behaviour ------------------------------------------------------------------------------------------


def test_directory_and_detail_are_public_and_masked(api, ids):
    data = api(None).get("orgs", q="海韵").json()
    assert data["count"] == 1 and data["items"][0]["contact_phone"] == "0580-38****34"
    detail = api(None).get(f"orgs/{ids['org']}").json()
    assert detail["leader_name"] == "孙**" and detail["grade_label"] == "4A"
    assert [o["category_code"] for o in detail["offers"]] == ["counseling", "disability", "elderly_care"]
    assert detail["report_results"][0] == {
        "year": 2025,
        "status": "reviewed",
        "status_label": "已审核",
        "result": "pass",
        "result_label": "合格",
    }
    assert detail["figures"]["offers"] == 3
    assert api(None).get(f"orgs/{ids['org']}/offers").status_code == 200


def test_a_bad_token_on_a_public_endpoint_is_refused(api):
    from django.test import Client

    response = Client(headers={"Authorization": "Bearer gz_nonsense"}).get("/api/v1/orgs")
    assert response.status_code == 401


def test_register_with_a_wrong_then_right_code(api, fresh_code):
    body = {
        "name": "普陀区接口测试协会",
        "org_type": "social_group",
        "home_area": "330903",
        "areas_served": ["330903003"],
        "credit_code": "51330903MJ9000001Q",
    }
    response = api("mzj").post("orgs/registrations", body)
    assert response.status_code == 422
    assert "第9–17位组织机构代码" in response.json()["errors"]["credit_code"][0]
    response = api("mzj").post("orgs/registrations", {**body, "credit_code": fresh_code("1")})
    assert response.status_code == 201
    org = response.json()
    assert org["status"] == "registered"
    response = api("mzj").post(f"orgs/{org['id']}/restore", {"reason": "x"})
    assert response.status_code == 409
    assert response.json()["state"] == "registered" and response.json()["state_label"] == "已登记"
    assert api("mzj").post(f"orgs/{org['id']}/activate", {}).json()["status"] == "active"
    history = api("mzj").get(f"orgs/{org['id']}/history").json()
    assert [h["to_status"] for h in history] == ["registered", "active"]


def test_unknown_area_codes_are_422(api, fresh_code):
    response = api("mzj").post(
        "orgs/registrations",
        {"name": "区划不存在的协会", "org_type": "social_group", "home_area": "999999", "credit_code": fresh_code()},
    )
    assert response.status_code == 422 and "999999" in response.json()["detail"]


def test_check_credit_code(api):
    ok = api("community_xp").post("orgs/check-credit-code", {"code": "52330903mj9000006w"}).json()
    assert ok["valid"] and ok["normalized"] == "52330903MJ9000006W" and ok["parts"]["department"] == "民政"
    bad = api("community_xp").post("orgs/check-credit-code", {"code": "52330903MJ9000006X"}).json()
    assert not bad["valid"] and "第18位" in bad["message"]


def test_report_flow(api, ids, user):
    from gongzhi.orgs.services.members import add_member

    org = Organization.objects.get(name="舟山市普陀区益家亲社会工作服务中心")
    add_member(actor=user("mzj"), org=org, username="resident_b", role="admin")
    body = {"activities": "助餐 3 万份", "income": "900000", "expense": "880000", "staff_count": 12, "party_org": "own"}
    response = _send(api("resident_b"), "put", f"orgs/{org.pk}/reports/2024", body)
    assert response.status_code == 200 and response.json()["status"] == "draft"
    assert api("resident_b").post(f"orgs/{org.pk}/reports/2024/submit").json()["status"] == "submitted"
    queue = api("mzj").get("orgs/reports/review").json()
    report_id = next(r["id"] for r in queue if r["organization"] == org.pk and r["year"] == 2024)
    reviewed = api("mzj").post(f"orgs/reports/{report_id}/review", {"result": "pass"}).json()
    assert reviewed["result_label"] == "合格"
    eligibility = api("resident_b").get(f"orgs/{org.pk}/eligibility", report_year=2024).json()
    assert eligibility == {"eligible": True, "reasons": []}
    eligibility = api("resident_b").get(f"orgs/{org.pk}/eligibility", report_year=2023).json()
    assert eligibility == {"eligible": False, "reasons": ["2023 年度报告未提交"]}


def test_members_and_offers(api, ids):
    invited = api("org_a").post(f"orgs/{ids['org']}/members", {"username": "resident_b", "role": "member"})
    assert invited.status_code == 201
    members = api("resident_b").get(f"orgs/{ids['org']}/members").json()
    assert {m["role"] for m in members} == {"admin", "member", "volunteer"}
    assert all("****" in m["phone"] or not m["phone"] for m in members)
    offer = (
        api("org_a")
        .post(f"orgs/{ids['org']}/offers", {"category_code": "legal", "title": "法律咨询", "capacity_per_month": 8})
        .json()
    )
    assert _send(api("org_a"), "patch", f"orgs/offers/{offer['id']}", {"active": False}).json()["active"] is False


def test_import_and_export(api):
    response = api("mzj").get("orgs/export")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    result = api("mzj").post("orgs/import", data={"file": SimpleUploadedFile("r.xlsx", response.content)}).json()
    assert result["ok"] is False and result["created"] == 0 and result["rows"] == len(rows) - 1
    assert result["problems"][0]["row"] == 2


def test_talents_are_masked_and_revealed(api, ids):
    items = api("community_xp").get("talents", skill="law").json()
    assert [(t["name"], t["phone"]) for t in items] == [("吴**", "136****3333")]
    assert api("community_xp").post(f"talents/{ids['talent']}/reveal").json() == {
        "name": "吴律师",
        "phone": "13605803333",
    }
    created = api("org_a").post(
        "talents",
        {
            "kind": "professional",
            "name": "新社工",
            "area": "330903003",
            "skills": ["social_work"],
            "organization": ids["org"],
        },
    )
    assert created.status_code == 201 and created.json()["organization"] == ORG_A


def test_bookings(api, ids):
    room = ids["room"]
    first = api("org_a").post(
        f"resources/{room}/bookings", {"start": _slot(10, 9), "end": _slot(10, 11), "purpose": "培训"}
    )
    assert first.status_code == 201 and first.json()["status"] == "pending"
    clash = api("org_b").post(
        f"resources/{room}/bookings", {"start": _slot(10, 10), "end": _slot(10, 12), "purpose": "例会"}
    )
    assert clash.status_code == 409 and "已被预约" in clash.json()["detail"]
    pending = api("community_xp").get("resources/bookings/to-decide").json()
    assert first.json()["id"] in [b["id"] for b in pending]
    approved = api("community_xp").post(f"resources/bookings/{first.json()['id']}/approve", {}).json()
    assert approved["status"] == "approved"
    calendar = (
        api("resident_a")
        .get(f"resources/{room}/calendar", week=(timezone.localdate() + timedelta(days=10)).isoformat())
        .json()
    )
    assert {c["state"] for c in calendar["slots"] if c["start"].startswith(_slot(10, 9)[:13])} == {"approved"}
    bad = api("org_a").post(f"resources/{room}/bookings", {"start": "tomorrow", "end": _slot(10, 11), "purpose": "x"})
    assert bad.status_code == 422
