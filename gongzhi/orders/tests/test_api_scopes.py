"""Who sees which orders, which hall, which ledger rows and which contact details: every list and export
goes through the permission chokepoint with the same scopes as a single order."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from gongzhi.accounts.models import Grant, Role, User
from gongzhi.areas.models import Area
from gongzhi.orders import services
from gongzhi.orders.models import Order
from gongzhi.orders.tests.test_api_transitions import build, complete_body, department, new_order, org_of, person

WK = "330903003008"


def ids(api, username: str, path: str = "orders", **params) -> set[int]:
    response = api(username).get(path, page_size=100, **params)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["items"] if isinstance(body, dict) else body
    return {row["order"] if path == "ledger" else row["id"] for row in rows}


@pytest.fixture
def world(demo):
    """Orders of every kind in 兴普 and 文康, by name."""
    made = {
        "a_xp": new_order("resident_a"),
        "b_xp": new_order("resident_b", grid="330903003005-002"),
        "hotline_wk": new_order(
            "street_dg", channel="hotline", community=WK, grid=None, contact_name="陈先生", contact_phone="13857001234"
        ),
        "to_a": new_order("community_xp", org=org_of("org_a").pk),
        "to_b_wk": new_order("street_dg", org=org_of("org_b").pk, community=WK, grid=None),
        "by_wj": new_order("dept_wj", org=org_of("org_b").pk),
        "fwd_wj": build("forwarded"),
        "claimed_b": new_order("resident_b", grid="330903003005-002"),
    }
    services.order_claim(actor=person("org_b"), order_id=made["claimed_b"].pk)
    return {name: order.pk for name, order in made.items()}


def test_a_resident_sees_only_their_own_orders(api, world):
    assert ids(api, "resident_a") == {world["a_xp"], world["fwd_wj"]}
    assert ids(api, "resident_b") == {world["b_xp"], world["claimed_b"]}
    assert ids(api, "resident_a", mine="true") == {world["a_xp"], world["fwd_wj"]}


def test_an_organization_sees_its_own_orders_and_the_open_hall_of_its_areas(api, world):
    hall = {world["a_xp"], world["b_xp"], world["hotline_wk"]}
    assert ids(api, "org_a", "orders/hall") == hall
    assert ids(api, "org_a") == hall | {world["to_a"]}
    assert ids(api, "org_b", "orders/hall") == hall
    assert ids(api, "org_b") == hall | {world["to_b_wk"], world["by_wj"], world["claimed_b"]}
    assert ids(api, "org_b", org=org_of("org_b").pk) == {world["to_b_wk"], world["by_wj"], world["claimed_b"]}
    # Once claimed the need leaves the hall, and the other organization no longer sees it.
    services.order_claim(actor=person("org_a"), order_id=world["a_xp"])
    assert world["a_xp"] not in ids(api, "org_b", "orders/hall")
    assert world["a_xp"] not in ids(api, "org_b")
    assert api("org_b").get(f"orders/{world['a_xp']}").status_code == 404


def test_an_organization_sees_no_hall_outside_the_areas_it_serves(api, world):
    org_b = org_of("org_b")
    org_b.areas_served.set(org_b.areas_served.exclude(code=WK))
    assert world["hotline_wk"] not in ids(api, "org_b", "orders/hall")
    assert api("org_b").post(f"orders/{world['hotline_wk']}/claim").status_code == 404


@pytest.mark.parametrize("status", ["suspended", "deregistered"])
def test_another_organization_suspended_in_the_same_area_leaves_the_hall_alone(api, world, status):
    """Found in the field: one suspended organization serving 东港街道 emptied every organization's hall there."""
    from gongzhi.orgs.models import Organization

    a = org_of("org_a")
    other = Organization.objects.create(name="测试停业组织", org_type=a.org_type, status=status, home_area=a.home_area)
    other.areas_served.set(org_of("org_a").areas_served.all())
    hall = {world["a_xp"], world["b_xp"], world["hotline_wk"]}
    assert ids(api, "org_a", "orders/hall") == hall
    assert ids(api, "org_b", "orders/hall") == hall
    assert api("org_a").post(f"orders/{world['a_xp']}/claim").status_code == 200


def test_a_suspended_organization_sees_no_hall(api, world):
    org_b = org_of("org_b")
    org_b.status = "suspended"
    org_b.save(update_fields=["status"])
    assert ids(api, "org_b", "orders/hall") == set()
    assert ids(api, "org_a", "orders/hall") == {world["a_xp"], world["b_xp"], world["hotline_wk"]}


def test_staff_see_their_area_subtree(api, world):
    xp = {world[k] for k in ("a_xp", "b_xp", "to_a", "by_wj", "fwd_wj", "claimed_b")}
    wk = {world["hotline_wk"], world["to_b_wk"]}
    assert ids(api, "community_xp") == xp
    assert ids(api, "street_dg") == xp | wk
    assert ids(api, "mzj") == xp | wk
    assert ids(api, "street_dg", area=WK) == wk
    # The grid worker sees the first grid only (resident_b lives in the second).
    assert ids(api, "grid_xp1") == xp - {world["b_xp"], world["claimed_b"]}


def test_a_department_sees_what_was_forwarded_to_it_or_dispatched_by_it(api, world):
    assert ids(api, "dept_wj") == {world["by_wj"], world["fwd_wj"]}
    assert Order.objects.get(pk=world["by_wj"]).dispatcher_department == department()
    # Another department's staff sees neither.
    justice = User.objects.create(username="dept_sf", display_name="区司法局 钱科员")
    Grant.objects.create(
        user=justice, role=Role.DEPT_STAFF, department=department("区司法局"), area=Area.objects.get(code="330903")
    )
    assert ids(api, "dept_sf") == set()


def test_list_filters(api, world):
    assert ids(api, "street_dg", state="pending,rejected") == {
        world[k] for k in ("a_xp", "b_xp", "hotline_wk", "to_a", "to_b_wk", "by_wj")
    }
    assert ids(api, "street_dg", state="forwarded") == {world["fwd_wj"]}
    assert ids(api, "street_dg", state="nonsense") == set()
    assert ids(api, "street_dg", category="elderly") == ids(api, "street_dg", category="elderly_care")
    assert ids(api, "street_dg", area="999999") == set()
    assert api("street_dg").get("orders", page_size=1000).status_code == 422
    page = api("street_dg").get("orders", page_size=3, page=2).json()
    assert (page["count"], len(page["items"])) == (8, 3)


def test_outsiders_get_nothing_and_the_anonymous_get_401(api, world):
    assert ids(api, "expert_a") == set()
    assert ids(api, "expert_a", "orders/hall") == set()
    assert ids(api, "resident_a", "orders/hall") == set()
    for path in ["orders", "orders/hall", "orders/supervision", "ledger", f"orders/{world['a_xp']}", "categories"]:
        assert api(None).get(path).status_code == 401, path


def test_every_logged_in_user_reads_the_category_tree(api):
    tree = {c["code"]: c for c in api("resident_a").get("categories").json()}
    assert tree["elderly_care"]["parent"] == "elderly"
    assert (tree["health"]["name"], tree["health"]["accept_days"], tree["health"]["urgent_complete_days"]) == (
        "医疗健康",
        1,
        1,
    )


# ---- the ledger -----------------------------------------------------------------------------------


def _complete(api, order_id: int, org: str) -> None:
    assert api(org).post(f"orders/{order_id}/claim").status_code == 200
    assert api(org).post(f"orders/{order_id}/complete", data=complete_body()).status_code == 200


@pytest.fixture
def ledger(api, demo):
    rows = {
        "a_xp": new_order("resident_a").pk,
        "b_xp": new_order("resident_b", grid="330903003005-002").pk,
        "b_wk": new_order("street_dg", channel="hotline", community=WK, grid=None).pk,
    }
    _complete(api, rows["a_xp"], "org_a")
    _complete(api, rows["b_xp"], "org_b")
    _complete(api, rows["b_wk"], "org_b")
    return rows


def test_the_ledger_follows_the_same_scopes(api, ledger):
    assert ids(api, "org_a", "ledger") == {ledger["a_xp"]}
    assert ids(api, "org_b", "ledger") == {ledger["b_xp"], ledger["b_wk"]}
    assert ids(api, "community_xp", "ledger") == {ledger["a_xp"], ledger["b_xp"]}
    assert ids(api, "street_dg", "ledger") == set(ledger.values())
    assert ids(api, "street_dg", "ledger", org=org_of("org_b").pk, area=WK) == {ledger["b_wk"]}
    # An organization asking for another's rows gets none of them.
    assert ids(api, "org_a", "ledger", org=org_of("org_b").pk) == set()
    for nobody in ["resident_a", "expert_a", "dept_wj"]:
        assert ids(api, nobody, "ledger") == set(), nobody


def test_the_ledger_is_filtered_by_period(api, ledger):
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    assert ids(api, "street_dg", "ledger", **{"from": today, "to": today}) == set(ledger.values())
    assert ids(api, "street_dg", "ledger", **{"from": "2000-01-01", "to": "2000-12-31"}) == set()
    assert api("street_dg").get("ledger", **{"from": "yesterday"}).status_code == 422


def _sheet_orders(response) -> list[str]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[3]][:3] == ["序号", "服务日期", "服务地点"]
    return [row[10] for row in sheet.iter_rows(min_row=4, values_only=True) if row[10]]


def test_the_excel_export_follows_the_same_scopes(api, ledger):
    numbers = {pk: Order.objects.get(pk=pk).number for pk in ledger.values()}
    assert _sheet_orders(api("org_a").get("ledger", format="xlsx")) == [numbers[ledger["a_xp"]]]
    assert sorted(_sheet_orders(api("org_b").get("ledger", format="xlsx"))) == sorted(
        [numbers[ledger["b_xp"]], numbers[ledger["b_wk"]]]
    )
    assert sorted(_sheet_orders(api("community_xp").get("ledger", format="xlsx"))) == sorted(
        [numbers[ledger["a_xp"]], numbers[ledger["b_xp"]]]
    )
    assert _sheet_orders(api("resident_a").get("ledger", format="xlsx")) == []
    assert api(None).get("ledger", format="xlsx").status_code == 401


# ---- contacts -------------------------------------------------------------------------------------


def test_contacts_are_masked_until_the_organization_takes_the_need_on(api):
    order = new_order(contact_phone="13812341234")
    hall_view = next(o for o in api("org_b").get("orders/hall").json()["items"] if o["id"] == order.pk)
    assert hall_view["contact"] == {"name": "张**", "phone": "138****1234", "address": hall_view["contact"]["address"]}
    assert hall_view["contact"]["address"] != "兴普社区3号楼201室"
    assert api("org_a").get(f"orders/{order.pk}").json()["contact"]["phone"] == "138****1234"

    claimed = api("org_a").post(f"orders/{order.pk}/claim").json()
    assert claimed["contact"] == {"name": "张阿姨", "phone": "13812341234", "address": "兴普社区3号楼201室"}
    for who in ["resident_a", "community_xp", "grid_xp1"]:
        assert api(who).get(f"orders/{order.pk}").json()["contact"]["phone"] == "13812341234", who


def test_a_dispatched_organization_sees_the_contact_only_after_accepting(api):
    order = new_order("grid_xp1", on_behalf_of={"name": "王奶奶", "phone": "13905801234"})
    services.order_reassign(actor=person("community_xp"), order_id=order.pk, org_id=org_of("org_a").pk)
    assert api("org_a").get(f"orders/{order.pk}").json()["contact"]["name"] == "王**"
    assert api("org_a").post(f"orders/{order.pk}/accept").json()["contact"]["name"] == "王奶奶"


def test_a_department_sees_the_contact_of_a_case_forwarded_to_it(api):
    order = build("forwarded")
    Order.objects.filter(pk=order.pk).update(contact_phone="13812341234")
    assert api("dept_wj").get(f"orders/{order.pk}").json()["contact"]["phone"] == "13812341234"
