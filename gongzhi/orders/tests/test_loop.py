"""The whole loop through the API: post → claim → complete with a photo → rate → ledger."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from gongzhi.orders.models import LedgerEntry, Order, OrderEvent, State


def test_resident_to_ledger(api, need, photo):
    order = need()
    assert order["state"] == "pending"
    assert order["accept_by"] is not None
    assert order["contact"]["name"]

    hall = api("org_a").get("orders/hall").json()
    assert order["id"] in [o["id"] for o in hall["items"]]
    # In the hall the contact is masked: nobody has taken the need on yet.
    seen = next(o for o in hall["items"] if o["id"] == order["id"])
    assert "*" in seen["contact"]["phone"] or seen["contact"]["phone"] == ""
    assert seen["contact"]["address"].endswith("***")

    claimed = api("org_a").post(f"orders/{order['id']}/claim")
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["state"] == "accepted"
    assert claimed.json()["contact"]["address"] == "兴普社区3号楼201室"

    late = api("org_b").post(f"orders/{order['id']}/claim")
    assert late.status_code == 409
    assert late.json()["state"] == "accepted"
    assert late.json()["holder"] == "舟山市普陀区海韵社会工作服务中心"

    done = api("org_a").post(
        f"orders/{order['id']}/complete",
        data={"description": "已上门帮忙采购蔬菜水果。", "photos": [photo()], "people_served": 1},
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "completed"
    assert len(done.json()["photos"]) == 1

    rated = api("resident_a").post(f"orders/{order['id']}/rate", {"stars": 5, "comment": "很好，谢谢！"})
    assert rated.status_code == 200, rated.content
    final = Order.objects.get(pk=order["id"])
    assert final.state == State.CLOSED
    assert [e.action for e in OrderEvent.objects.filter(order=final)] == ["created", "claimed", "completed", "rated"]

    entry = LedgerEntry.objects.get(order=final)
    assert (entry.rating, entry.photos_count, entry.org.name) == (5, 1, "舟山市普陀区海韵社会工作服务中心")

    rows = api("community_xp").get("ledger").json()
    assert [r["order"] for r in rows] == [final.pk]
    xlsx = api("community_xp").get("ledger", format="xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A3"].value == "序号"
    assert sheet["E3"].value == "服务情况" and sheet["E4"].value == final.completion_note
    assert sheet["G4"].value == "舟山市普陀区海韵社会工作服务中心"
    assert sheet["J4"].value == 5
    assert sheet["A2"].value.startswith("统计期间：全部日期")


def test_outsiders_do_not_see_an_order(api, need):
    order = need()
    for outsider in ["resident_b", "dept_wj", "expert_a"]:
        assert api(outsider).get(f"orders/{order['id']}").status_code == 404, outsider
        assert api(outsider).post(f"orders/{order['id']}/cancel").status_code == 404, outsider
    assert api(None).get(f"orders/{order['id']}").status_code == 401
