"""Aggregates never count what the viewer may not see: one order in each of three places, six viewers.

兴普一网格 (XP grid 1), 文康 (WK, same street 东港), and 新街 in 沈家门街道 (another street).
"""

from __future__ import annotations

import pytest

from gongzhi.insights.tests.conftest import WK, XP

SJM_COMMUNITY = "330903001001"  # 新街社区, 沈家门街道


@pytest.fixture
def three_places(history):
    h = history
    h.done(h.post(), accept={"minutes": 20}, complete={"hours": 1}, stars=5)
    wk = h.post("street_dg", community=WK, grid=f"{WK}-001")
    h.claim(wk, "org_b", after={"minutes": 20})
    h.post("admin", community=SJM_COMMUNITY, grid=None, on_behalf_of={"name": "周先生", "phone": "13905801111"})


@pytest.mark.parametrize(
    ("who", "posted", "accepted"),
    [
        ("admin", 3, 2),
        ("mzj", 3, 2),
        ("street_dg", 2, 2),
        ("community_xp", 1, 1),
        ("grid_xp1", 1, 1),
    ],
)
def test_each_viewer_counts_only_their_area(three_places, api, who, posted, accepted):
    body = api(who).get("insights/dashboard", period="2026").json()
    assert (body["figures"]["posted"], body["figures"]["accepted"]) == (posted, accepted)
    assert sum(r["posted"] for r in body["tables"]["series"]["rows"]) == posted
    assert sum(r["posted"] for r in body["tables"]["categories"]["rows"]) == posted
    assert sum(r["posted"] for r in body["tables"]["areas"]["rows"]) == posted
    assert sum(r["accepted"] for r in body["tables"]["accepted"]["rows"]) == accepted


@pytest.mark.parametrize("who", ["resident_a", "org_a", "dept_wj", "expert_a"])
def test_people_without_an_area_get_no_dashboard(three_places, api, web, who):
    assert api(who).get("insights/dashboard", period="2026").status_code == 404
    assert api(who).get("insights/dashboard/praise", period="2026", format="xlsx").status_code == 404
    assert web(who).get("/insights/").status_code == 404
    assert web(who).get("/insights/warnings/").status_code == 404


def test_nobody_signed_in_gets_the_dashboard_or_the_api(three_places, api, web):
    assert api(None).get("insights/dashboard").status_code == 401
    assert api(None).get("insights/leaderboards/praise").status_code == 401
    assert web(None).get("/insights/").status_code == 302


def test_the_district_leaderboards_are_public_as_the_home_page_promises(three_places, web):
    """Found when tried as a new user would: the home page said 排行榜公开, the boards sent visitors to the login."""
    page = web(None).get("/insights/leaderboards/", {"period": "2026"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="table-praise"' in html or "好评" in html
    street = web(None).get("/insights/leaderboards/", {"period": "2026", "area": "330903003"})
    assert street.status_code == 422 and "请先登录" in street.content.decode()
    assert web("resident_a").get("/insights/leaderboards/", {"period": "2026", "area": "330903003"}).status_code == 200


@pytest.mark.parametrize(("who", "area"), [("community_xp", WK), ("street_dg", "330903001"), ("grid_xp1", XP)])
def test_an_area_outside_ones_own_is_not_found(three_places, api, who, area):
    assert api(who).get("insights/dashboard", area=area).status_code == 404


def test_a_part_of_ones_area(three_places, api):
    body = api("street_dg").get("insights/dashboard", period="2026", area=WK).json()
    assert body["figures"]["posted"] == 1
    assert body["filters"]["area_label"] == "文康社区"


def test_public_leaderboards_show_district_and_street_only(three_places, api):
    everyone = api("resident_a").get("insights/leaderboards/accepted", period="2026").json()
    assert sum(r["accepted"] for r in everyone["rows"]) == 2
    street = api("resident_a").get("insights/leaderboards/categories", period="2026", area="330903001").json()
    assert sum(r["posted"] for r in street["rows"]) == 1
    refused = api("resident_a").get("insights/leaderboards/praise", area=XP)
    assert refused.status_code == 422 and "area" in refused.json()["errors"]


def test_an_organization_out_of_the_directory_is_not_published(three_places, api):
    from gongzhi.orgs.models import Organization, OrgStatus

    Organization.objects.filter(name__contains="海韵").update(status=OrgStatus.INCUBATING)
    rows = api("resident_a").get("insights/leaderboards/accepted", period="2026").json()["rows"]
    assert [r["org"] for r in rows] == ["东港街道兴普社区邻里互助会"]
    # Staff of the area still see it in their dashboard: they may see its orders.
    rows = api("street_dg").get("insights/dashboard/accepted", period="2026").json()["rows"]
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "last year"}, "period"),
        ({"period": "2026-05:2026-01"}, "period"),
        ({"category": "nope"}, "category"),
        ({"org_type": "club"}, "org_type"),
    ],
)
def test_bad_filters_say_what_to_fix(three_places, api, params, field):
    response = api("street_dg").get("insights/dashboard", **params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_unknown_board_or_table_is_not_found(three_places, api):
    assert api("street_dg").get("insights/leaderboards/secret").status_code == 404
    assert api("street_dg").get("insights/dashboard/secret").status_code == 404
