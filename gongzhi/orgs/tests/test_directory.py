"""The public directory and page: search by name, type, category, area and grade; masking; visibility."""

from __future__ import annotations

from datetime import date

import pytest

from gongzhi.core.masking import mask_name, mask_phone
from gongzhi.orgs.models import Organization
from gongzhi.orgs.selectors import directory, org_public_figures

pytestmark = pytest.mark.django_db
ORG_A = "舟山市普陀区海韵社会工作服务中心"


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_masks():
    assert mask_phone("0580-3801234") == "0580-38****34"
    assert mask_phone("058038012345") == "0580-38****45"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_name("张秀英") == "张**" and mask_name("李") == "李**" and mask_name("") == ""


def test_anonymous_directory_shows_public_statuses_only(demo):
    found = names(directory(None))
    assert ORG_A in found and "舟山市普陀区心理健康促进会" in found  # the abnormal list is public too
    assert "东港街道青少年成长服务社（筹）" not in found  # still incubating


def test_search_filters(demo):
    assert names(directory(None, q="海韵")) == {ORG_A}
    assert names(directory(None, org_type="foundation")) == {"舟山市普陀区海之翼公益基金会"}
    # Category: free tags on the organization or the codes/titles of its catalogue.
    assert ORG_A in names(directory(None, category="心理疏导"))
    assert "东港街道兴普社区邻里互助会" in names(directory(None, category="elderly_visit"))
    # Area: serving the community itself, or its street (which contains it).
    xp = names(directory(None, area_code="330903003005"))
    assert {ORG_A, "东港街道兴普社区邻里互助会"} <= xp
    assert "东港街道文康社区银龄志愿服务队" not in xp
    assert not names(directory(None, area_code="999999"))


def test_grade_filter_ignores_expired_grades(demo):
    on = date(2026, 11, 22)
    assert names(directory(None, min_grade=4, on=on)) == {
        ORG_A,
        "舟山市普陀区志愿者协会",
        "舟山市普陀区海之翼公益基金会",
    }
    assert "舟山市普陀区益家亲社会工作服务中心" not in names(directory(None, min_grade=1, on=on))
    ordered = list(directory(None, on=on).values_list("name", flat=True))
    assert ordered[0] == "舟山市普陀区志愿者协会"  # 5A first


def test_public_figures(demo):
    org = Organization.objects.get(name=ORG_A)
    figures = org_public_figures(None, org)
    assert figures.offers == 3 and figures.capacity_per_month == 75
    assert figures.volunteers == 1 and figures.resources == 1
    assert figures.years_registered == date.today().year - 2015 - ((date.today().month, date.today().day) < (9, 1))


def test_public_page(web, demo):
    org = Organization.objects.get(name=ORG_A)
    body = web(None).get(f"/orgs/{org.pk}/").content.decode()
    assert ORG_A in body and "居家养老上门服务" in body and "0580-38****34" in body
    assert "0580-3801234" not in body and "孙海波" not in body and "孙**" in body
    assert "4A" in body and "2025：合格" in body


def test_incubating_page_is_hidden_from_the_public(web, demo):
    org = Organization.objects.get(name="东港街道青少年成长服务社（筹）")
    assert web(None).get(f"/orgs/{org.pk}/").status_code == 404
    assert web("resident_a").get(f"/orgs/{org.pk}/").status_code == 404
    assert web("street_dg").get(f"/orgs/{org.pk}/").status_code == 200


def test_directory_page_for_anonymous_visitors(web, demo):
    client = web(None)
    body = client.get("/orgs/", {"q": "邻里"}).content.decode()
    assert "东港街道兴普社区邻里互助会" in body and "海韵社会工作服务中心" not in body
    partial = client.get("/orgs/", {"min_grade": "5"}, headers={"HX-Request": "true"}).content.decode()
    assert "舟山市普陀区志愿者协会" in partial and "<html" not in partial
    assert client.get("/orgs/", {"min_grade": "abc", "area": "nope"}).status_code == 200
    assert 'href="/orgs/"' in client.get("/").content.decode()
