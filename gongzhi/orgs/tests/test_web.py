"""Web pages: outsiders on every page, and the staff, organization and public flows."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from gongzhi.orgs.models import (
    AnnualReport,
    Booking,
    Membership,
    Organization,
    OrgStatusChange,
    Resource,
    ServiceOffer,
    Talent,
)

pytestmark = pytest.mark.django_db
ORG_A = "舟山市普陀区海韵社会工作服务中心"


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


PAGES = [
    # (who, method, url, expected status)
    ("resident_a", "get", "/orgs/{incubating}/", 404),
    (None, "get", "/orgs/{incubating}/", 404),
    ("resident_a", "get", "/orgs/registry/", 404),
    ("org_a", "get", "/orgs/registry/new/?mode=register", 404),
    ("resident_a", "get", "/orgs/registry/new/?mode=file", 404),
    ("community_xp", "get", "/orgs/registry/new/?mode=register", 404),
    ("org_a", "get", "/orgs/registry/new/?mode=file&org={incubating}", 404),
    ("resident_a", "post", "/orgs/registry/check-code/", 404),
    ("street_dg", "get", "/orgs/registry/import/", 404),
    ("street_dg", "get", "/orgs/registry/export/", 404),
    ("org_b", "get", "/orgs/{org}/record/", 404),
    ("org_b", "post", "/orgs/{org}/record/activate/", 404),
    ("street_dg", "post", "/orgs/{org}/grade/", 404),
    ("org_a", "get", "/orgs/reports/", 404),
    ("org_a", "get", "/orgs/reports/{report}/", 404),
    ("org_a", "post", "/orgs/reports/{report}/", 404),
    ("org_b", "get", "/orgs/{org}/reports/2025/", 404),
    ("org_b", "get", "/orgs/{org}/console/", 404),
    ("mzj", "get", "/orgs/{org}/console/", 404),
    ("org_b", "get", "/orgs/{org}/members/", 404),
    ("org_b", "post", "/orgs/members/{member}/remove/", 404),
    ("org_b", "get", "/orgs/{org}/offers/", 404),
    ("org_b", "post", "/orgs/offers/{offer}/toggle/", 404),
    ("resident_a", "get", "/talents/", 404),
    ("grid_xp1", "get", "/talents/new/", 404),
    ("org_a", "get", "/talents/{talent}/", 404),
    ("resident_a", "get", "/resources/new/", 404),
    ("org_a", "post", "/resources/bookings/{booking}/approve/", 404),
    ("resident_a", "post", "/resources/bookings/{booking}/cancel/", 404),
    (None, "get", "/orgs/registry/", 302),
    (None, "get", "/talents/", 302),
    (None, "get", "/resources/", 302),
    (None, "get", "/resources/{room}/", 302),
    (None, "get", "/resources/bookings/", 302),
]


@pytest.mark.parametrize(("who", "method", "url", "status"), PAGES)
def test_outsiders(web, ids, who, method, url, status):
    client = web(who)
    response = getattr(client, method)(url.format(**ids))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("who", "url"),
    [
        (None, "/orgs/"),
        (None, "/orgs/{org}/"),
        ("mzj", "/orgs/registry/"),
        ("street_dg", "/orgs/registry/"),
        ("mzj", "/orgs/registry/new/?mode=register"),
        ("street_dg", "/orgs/registry/new/?mode=file"),
        ("street_dg", "/orgs/registry/new/?mode=incubate"),
        ("mzj", "/orgs/registry/import/"),
        ("mzj", "/orgs/{org}/record/"),
        ("org_a", "/orgs/{org}/record/"),
        ("mzj", "/orgs/reports/"),
        ("mzj", "/orgs/reports/{report}/"),
        ("org_a", "/orgs/{org}/console/"),
        ("org_a", "/orgs/{org}/reports/2025/"),
        ("org_a", "/orgs/{org}/members/"),
        ("org_a", "/orgs/{org}/offers/"),
        ("community_xp", "/talents/"),
        ("community_xp", "/talents/new/"),
        ("community_xp", "/talents/{talent}/"),
        ("resident_a", "/resources/"),
        ("community_xp", "/resources/new/"),
        ("resident_a", "/resources/{room}/"),
        ("community_xp", "/resources/bookings/"),
        ("mzj", "/workspace/"),
        ("org_a", "/workspace/"),
    ],
)
def test_pages_answer(web, ids, who, url):
    assert web(who).get(url.format(**ids)).status_code == 200


def test_register_shows_the_credit_code_message(web, fresh_code):
    client = web("mzj")
    form = {
        "mode": "register",
        "name": "普陀区网页登记测试协会",
        "org_type": "social_group",
        "home_area": "330903",
        "credit_code": "51330903MJ9000001Q",
        "registered_on": "2024-03-01",
        "admin_username": "resident_b",
    }
    response = client.post("/orgs/registry/new/", form)
    assert response.status_code == 422
    assert "第9–17位组织机构代码“MJ9000001”校验不通过" in response.content.decode()
    response = client.post("/orgs/registry/new/", {**form, "credit_code": fresh_code("1")})
    assert response.status_code == 302
    org = Organization.objects.get(name="普陀区网页登记测试协会")
    assert response["Location"] == f"/orgs/{org.pk}/record/"
    assert org.memberships.get().user.username == "resident_b"


def test_live_code_check(web):
    body = web("community_xp").post("/orgs/registry/check-code/", {"credit_code": "52330903MJ9000006"}).content.decode()
    assert "应为18位" in body
    body = (
        web("community_xp").post("/orgs/registry/check-code/", {"credit_code": "52330903MJ9000006W"}).content.decode()
    )
    assert "代码有效" in body and "民政" in body


def test_filing_from_incubation(web, ids):
    client = web("street_dg")
    assert "孵化" in client.get(f"/orgs/{ids['incubating']}/record/").content.decode()
    response = client.post(
        "/orgs/registry/new/", {"mode": "file", "org": ids["incubating"], "home_area": "330903003005"}
    )
    assert response.status_code == 302
    org = Organization.objects.get(pk=ids["incubating"])
    assert org.status == "filed" and org.home_area.code == "330903003005"


def test_transitions_and_grade_on_the_record(web, ids):
    client = web("mzj")
    response = client.post(f"/orgs/{ids['org']}/record/abnormal/", {"reason": ""}, follow=True)
    assert "请填写事由" in response.content.decode()
    client.post(f"/orgs/{ids['org']}/record/abnormal/", {"reason": "未按规定公示年报"})
    assert Organization.objects.get(pk=ids["org"]).status == "abnormal"
    response = client.post(f"/orgs/{ids['org']}/record/activate/", follow=True)
    assert "不能启用" in response.content.decode()
    client.post(f"/orgs/{ids['org']}/grade/", {"grade": "5", "awarded_on": "2025-12-01"})
    assert Organization.objects.get(pk=ids["org"]).grade == 5
    assert OrgStatusChange.objects.filter(organization_id=ids["org"], to_status="abnormal").exists()


def test_report_form_and_review(web, ids, user):
    org_client = web("org_a")
    org = Organization.objects.get(pk=ids["org"])
    url = f"/orgs/{org.pk}/reports/2024/"
    response = org_client.post(url, {"action": "submit", "activities": "服务 800 人次"})
    assert response.status_code == 422 and "提交前请填写本年收入" in response.content.decode()
    response = org_client.post(
        url,
        {
            "action": "submit",
            "activities": "服务 800 人次",
            "income": "10000",
            "expense": "9000",
            "staff_count": "3",
            "party_org": "joint",
        },
    )
    assert response.status_code == 302
    report = AnnualReport.objects.get(organization=org, year=2024)
    assert report.status == "submitted"
    assert org_client.post(url, {"action": "save", "activities": "改"}).status_code == 409
    review = web("mzj").post(f"/orgs/reports/{report.pk}/", {"result": "basic"})
    assert review.status_code == 422 and "写明原因" in review.content.decode()
    web("mzj").post(f"/orgs/reports/{report.pk}/", {"result": "pass"})
    assert AnnualReport.objects.get(pk=report.pk).result == "pass"


def test_console_members_offers(web, ids):
    client = web("org_a")
    client.post(
        f"/orgs/{ids['org']}/console/",
        {"summary": "网页修改的简介", "contact_phone": "0580-3801234", "categories": "养老", "address": ""},
    )
    assert Organization.objects.get(pk=ids["org"]).summary == "网页修改的简介"
    response = client.post(f"/orgs/{ids['org']}/members/", {"form": "invite", "username": "nobody", "role": "member"})
    assert response.status_code == 422 and "找不到用户名" in response.content.decode()
    client.post(f"/orgs/{ids['org']}/members/", {"form": "volunteer", "name": "新志愿者", "phone": "13800000000"})
    body = client.get(f"/orgs/{ids['org']}/members/").content.decode()
    assert "新志愿者" in body and "138****0000" in body and "13800000000" not in body
    client.post(
        f"/orgs/{ids['org']}/offers/", {"category_code": "legal", "title": "网页发布的服务", "capacity_per_month": "5"}
    )
    assert ServiceOffer.objects.filter(title="网页发布的服务", organization_id=ids["org"]).exists()
    # The category is picked from the platform's list, so an offer can always be matched to needs.
    form = client.get(f"/orgs/{ids['org']}/offers/").content.decode()
    assert '<select name="category_code"' in form and 'value="elderly_care"' in form
    typo = client.post(
        f"/orgs/{ids['org']}/offers/",
        {"category_code": "elderly_cares", "title": "错的类别", "capacity_per_month": "5"},
    )
    assert typo.status_code == 422 and "选择一个有效的选项" in typo.content.decode()
    assert not ServiceOffer.objects.filter(title="错的类别").exists()


def test_talent_reveal_page(web, ids):
    client = web("community_xp")
    body = client.get(f"/talents/{ids['talent']}/").content.decode()
    assert "吴**" in body and "13605803333" not in body
    body = client.post(f"/talents/{ids['talent']}/").content.decode()
    assert "吴律师" in body and "13605803333" in body
    assert "13605803333" not in client.get("/talents/?skill=law").content.decode()


def test_booking_on_the_web(web, ids):
    day = timezone.localdate() + timedelta(days=12)
    start = datetime.combine(day, time(9, 0)).strftime("%Y-%m-%dT%H:%M")
    end = datetime.combine(day, time(10, 0)).strftime("%Y-%m-%dT%H:%M")
    response = web("org_a").post(f"/resources/{ids['room']}/", {"start": start, "end": end, "purpose": "培训"})
    assert response.status_code == 302
    response = web("org_b").post(f"/resources/{ids['room']}/", {"start": start, "end": end, "purpose": "例会"})
    assert response.status_code == 409 and "已被预约" in response.content.decode()
    booking = Booking.objects.get(purpose="培训")
    web("community_xp").post(f"/resources/bookings/{booking.pk}/reject/", {"note": "场地维修"})
    assert Booking.objects.get(pk=booking.pk).status == "rejected"


def test_import_page_reports_problems(web):
    wb = Workbook()
    wb.active.append(["名称", "类型", "登记/备案地区划代码", "状态"])
    wb.active.append(["只有名称的协会", "协会", "330903", "活跃"])
    buf = io.BytesIO()
    wb.save(buf)
    response = web("mzj").post("/orgs/registry/import/", {"file": SimpleUploadedFile("x.xlsx", buf.getvalue())})
    body = response.content.decode()
    assert response.status_code == 422 and "第 2 行" in body and "类型" in body and "未导入任何数据" in body
    response = web("mzj").get("/orgs/registry/export/")
    assert response.status_code == 200 and "filename*=UTF-8''" in response["Content-Disposition"]


def test_workspace_panels(web, ids):
    assert "年度报告待审核" in web("mzj").get("/workspace/").content.decode()
    body = web("org_a").get("/workspace/").content.decode()
    assert ORG_A in body and f"/orgs/{ids['org']}/console/" in body


def test_navigation(web):
    assert 'href="/orgs/registry/"' in web("mzj").get("/workspace/").content.decode()
    assert 'href="/orgs/registry/"' not in web("resident_a").get("/workspace/").content.decode()


def test_service_items_show_category_names_not_codes(web, demo):
    """Found when tried as a new user would: category codes (counseling, elderly_care) on the service items."""
    from gongzhi.orgs.models import Organization

    org = Organization.objects.get(name="舟山市普陀区海韵社会工作服务中心")
    page = web("org_a").get(f"/orgs/{org.pk}/offers/").content.decode()
    assert "居家养老上门服务" in page
    assert "<code>elderly_care</code>" not in page and ">counseling<" not in page
