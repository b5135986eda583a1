"""Browsing areas and drawing grids, through the API and the web pages; outsiders get 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.areas.models import Area, Level
from gongzhi.audit.models import AuditEntry

XINGPU = "330903003005"
WENKANG = "330903003008"


# ---- API: list and detail ------------------------------------------------------------------------


def test_area_detail(api):
    response = api("resident_a").get(f"areas/{XINGPU}")
    assert response.status_code == 200
    assert response.json() == {
        "code": XINGPU,
        "name": "兴普社区居委会",
        "short_name": "兴普社区",
        "level": "community",
        "parent": "330903003",
    }


def test_grid_detail_names_its_community(api):
    body = api("org_a").get(f"areas/{XINGPU}-001").json()
    assert (body["level"], body["parent"], body["name"]) == ("grid", XINGPU, "兴普一网格")


def test_unknown_area_is_json_404(api):
    response = api("org_a").get("areas/999999")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
    assert "未找到" in response.json()["detail"]


def test_areas_need_authentication(api):
    assert api(None).get(f"areas/{XINGPU}").status_code == 401
    assert api(None).get("areas").status_code == 401


def test_list_roots_children_and_levels(api):
    client = api("community_xp")
    assert [a["code"] for a in client.get("areas").json()] == ["33"]
    children = client.get("areas", parent=XINGPU).json()
    assert [a["code"] for a in children] == [f"{XINGPU}-001", f"{XINGPU}-002", f"{XINGPU}-003"]
    streets = client.get("areas", level="street", parent="330903").json()
    assert "330903003" in {a["code"] for a in streets}
    assert {a["level"] for a in streets} == {"street"}
    grids = client.get("areas", level="grid").json()
    assert len(grids) == Area.objects.filter(level=Level.GRID).count()
    assert client.get("areas", parent="000000").json() == []


def test_a_long_list_says_there_is_more_and_pages_by_code(api, monkeypatch):
    from gongzhi.areas import api as areas_api

    monkeypatch.setattr(areas_api, "AREAS_PER_CALL", 2)
    client = api("community_xp")
    first = client.get("areas", parent=XINGPU)
    assert [a["code"] for a in first.json()] == [f"{XINGPU}-001", f"{XINGPU}-002"] and first["X-More"] == "true"
    rest = client.get("areas", parent=XINGPU, after=f"{XINGPU}-002")
    assert [a["code"] for a in rest.json()] == [f"{XINGPU}-003"] and rest["X-More"] == "false"


def test_list_query_count_does_not_grow_with_rows(api):
    client = api("community_xp")
    client.get("areas", parent="330903003")  # warm up the token and grants
    with CaptureQueriesContext(connection) as few:
        client.get("areas", parent="330903003")
    with CaptureQueriesContext(connection) as many:
        client.get("areas", level="community")
    assert len(many) == len(few)


# ---- API: grids ----------------------------------------------------------------------------------


def test_community_worker_draws_a_grid(api, user):
    response = api("community_xp").post(f"areas/{XINGPU}/grids", {"name": "兴普四网格"})
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "code": f"{XINGPU}-004",
        "name": "兴普四网格",
        "short_name": "兴普四网格",
        "level": "grid",
        "parent": XINGPU,
    }
    grid = Area.objects.get(code=f"{XINGPU}-004")
    assert grid.path == Area.objects.get(code=XINGPU).path + f"{XINGPU}-004/"
    assert grid.depth == 5
    entry = AuditEntry.objects.get(action="areas.grid.created", target_id=str(grid.pk))
    assert entry.actor_id == user("community_xp").pk
    assert entry.data == {"community": XINGPU}


def test_street_staff_draws_grids_in_its_communities(api):
    assert api("street_dg").post(f"areas/{WENKANG}/grids", {"name": "文康三网格"}).json()["code"] == f"{WENKANG}-003"
    assert api("street_dg").post(f"areas/{XINGPU}/grids", {"name": "兴普四网格"}).status_code == 201


def test_grid_codes_keep_counting(api):
    client = api("community_xp")
    codes = [client.post(f"areas/{XINGPU}/grids", {"name": f"新网格{n}"}).json()["code"] for n in range(3)]
    assert codes == [f"{XINGPU}-004", f"{XINGPU}-005", f"{XINGPU}-006"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("兴普一网格", "本社区已有名为“兴普一网格”的网格"),
        ("  兴普一网格 ", "本社区已有名为“兴普一网格”的网格"),
        ("", "请填写网格名称"),
        ("   ", "请填写网格名称"),
        ("网" * 51, "请填写网格名称（1 到 50 个字）"),
        ("坏\x00名字", "请填写网格名称"),
        ("换行\n网格", "请填写网格名称"),
    ],
)
def test_bad_grid_name_is_422_in_chinese(api, name, message):
    before = Area.objects.count()
    response = api("community_xp").post(f"areas/{XINGPU}/grids", {"name": name})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert message in body["errors"]["name"][0]
    assert message in body["detail"]
    assert Area.objects.count() == before


def test_grid_name_may_be_fifty_characters(api):
    assert api("community_xp").post(f"areas/{XINGPU}/grids", {"name": "网" * 50}).status_code == 201


def test_same_grid_name_in_another_community_is_fine(api):
    assert api("street_dg").post(f"areas/{WENKANG}/grids", {"name": "兴普一网格"}).status_code == 201


def test_missing_grid_name_is_field_level_422(api):
    response = api("community_xp").post(f"areas/{XINGPU}/grids", {})
    assert response.status_code == 422
    assert response.json()["errors"] == {"name": ["此项为必填项"]}


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("org_a", XINGPU),
        ("resident_a", XINGPU),
        ("grid_xp1", XINGPU),
        ("community_xp", WENKANG),
        ("community_xp", "330903003"),  # a street, not a community
        ("community_xp", f"{XINGPU}-001"),  # a grid
        ("community_xp", "000000000000"),
    ],
)
def test_outsider_cannot_draw_grids(api, username, code):
    before = Area.objects.count()
    response = api(username).post(f"areas/{code}/grids", {"name": "越权网格"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Area.objects.count() == before


def test_outsider_learns_nothing_from_a_bad_name(api):
    # Validation happens after the permission check: an outsider cannot probe names.
    response = api("community_xp").post(f"areas/{WENKANG}/grids", {"name": ""})
    assert response.status_code == 404


# ---- web pages -----------------------------------------------------------------------------------


def test_community_page_shows_grids_and_the_form(web):
    response = web("community_xp").get(f"/areas/{XINGPU}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "兴普一网格" in body and "兴普三网格" in body
    assert "新建网格" in body
    assert "东港街道" in body  # the breadcrumb


def test_page_without_the_right_shows_no_form(web):
    response = web("community_xp").get(f"/areas/{WENKANG}/")
    assert response.status_code == 200  # the tree is public to staff
    assert "新建网格" not in response.content.decode()


def test_draw_grid_on_the_web(web):
    client = web("community_xp")
    response = client.post(f"/areas/{XINGPU}/grids/", {"name": "兴普四网格"})
    assert response.status_code == 302
    assert response["Location"] == f"/areas/{XINGPU}/"
    assert Area.objects.filter(code=f"{XINGPU}-004", name="兴普四网格").exists()


def test_draw_grid_with_htmx_returns_the_fragment(web):
    client = web("community_xp")
    response = client.post(f"/areas/{XINGPU}/grids/", {"name": "兴普四网格"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-testid="area-children"' in body
    assert "兴普四网格" in body and "网格（4）" in body


def test_bad_name_on_the_web_shows_the_message(web):
    client = web("community_xp")
    response = client.post(f"/areas/{XINGPU}/grids/", {"name": "兴普一网格"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "<html" not in body
    assert "本社区已有名为“兴普一网格”的网格" in body
    full = client.post(f"/areas/{XINGPU}/grids/", {"name": ""})
    assert full.status_code == 422
    assert "请填写网格名称" in full.content.decode() and "<html" in full.content.decode()


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("org_a", XINGPU),
        ("resident_a", XINGPU),
        ("community_xp", WENKANG),
        ("grid_xp1", XINGPU),
    ],
)
def test_outsider_cannot_draw_grids_on_the_web(web, username, code):
    response = web(username).post(f"/areas/{code}/grids/", {"name": "越权网格"})
    assert response.status_code == 404
    assert "页面不存在，或您无权查看" in response.content.decode()
    assert not Area.objects.filter(name="越权网格").exists()


def test_grid_form_is_post_only(web):
    assert web("community_xp").get(f"/areas/{XINGPU}/grids/").status_code == 405


def test_browse_starts_at_my_areas(web):
    body = web("community_xp").get("/areas/").content.decode()
    assert "兴普社区" in body and "文康社区" not in body
    body = web("street_dg").get("/areas/").content.decode()
    assert "东港街道" in body
    body = web("admin").get("/areas/").content.decode()
    assert "浙江省" in body


@pytest.mark.parametrize("username", ["resident_a", "org_a", "expert_a"])
def test_area_pages_are_for_staff_only(web, username):
    assert web(username).get("/areas/").status_code == 404
    assert web(username).get(f"/areas/{XINGPU}/").status_code == 404


def test_area_pages_need_login(web):
    for path in ("/areas/", f"/areas/{XINGPU}/"):
        response = web(None).get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_unknown_area_page_is_404(web):
    assert web("community_xp").get("/areas/999999/").status_code == 404
