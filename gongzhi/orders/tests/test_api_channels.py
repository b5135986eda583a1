"""The ways in (点单, 下单, 代办, hotline, special cases by the responsibility matrix) and the longer loops
(forward → sign → reply, return with a reason, reject → reassign → accept), each through the API as the
demo persona who would do it, and the audit chain after a whole life cycle."""

from __future__ import annotations

from django.core.management import call_command

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.notify.models import Notification
from gongzhi.orders.models import Category, Order, OrderEvent, Rating, ResponsibilityRule
from gongzhi.orders.tests.test_api_transitions import GRID_XP1, complete_body, department, org_of, person


def events(order_id: int) -> list[tuple[str, str, str]]:
    return [(e.action, e.from_state, e.to_state) for e in OrderEvent.objects.filter(order_id=order_id)]


def notified(username: str, order_id: int, kind: str) -> bool:
    return Notification.objects.filter(recipient__username=username, target_id=str(order_id), kind=kind).exists()


def test_a_resident_posts_a_need_on_the_web(need):
    order = need(contact_phone="13812341234")
    stored = Order.objects.get(pk=order["id"])
    assert (order["channel"], order["state"], order["scenario"]) == ("web", "pending", "individual")
    assert stored.requester == stored.created_by == person("resident_a")
    assert (stored.community.code, stored.area.code) == ("330903003005", GRID_XP1)
    assert order["contact"] == {"name": "张阿姨", "phone": "13812341234", "address": "兴普社区3号楼201室"}
    assert events(stored.pk) == [("created", "", "pending")]


def test_a_resident_may_post_only_in_their_own_community(api):
    body = {
        "category": "elderly_care",
        "title": "帮忙买菜",
        "description": "想请人帮忙买菜。",
        "community": "330903003008",
    }
    response = api("resident_a").post("orders", body)
    assert response.status_code == 403
    assert "社区" in response.json()["detail"]
    assert not Order.objects.filter(title="帮忙买菜").exists()


def test_community_worker_dispatches_to_an_organization_which_accepts(api, need):
    order = need("community_xp", org=org_of("org_a").pk, title="重阳节慰问独居老人")
    stored = Order.objects.get(pk=order["id"])
    assert (order["channel"], order["state"], order["org"]["id"]) == ("dispatch", "pending", org_of("org_a").pk)
    assert stored.requester is None and stored.created_by == person("community_xp")
    assert notified("org_a", stored.pk, "orders.created")
    # A dispatched order is not in anybody's hall.
    assert stored.pk not in [o["id"] for o in api("org_b").get("orders/hall").json()["items"]]

    accepted = api("org_a").post(f"orders/{stored.pk}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted"
    assert notified("community_xp", stored.pk, "orders.accepted")


def test_a_resident_cannot_dispatch(api):
    body = {
        "category": "elderly_care",
        "title": "派单",
        "description": "想直接派给某组织。",
        "community": "330903003005",
        "org": org_of("org_a").pk,
    }
    response = api("resident_a").post("orders", body)
    assert response.status_code == 403
    assert "派单" in response.json()["detail"]


def test_grid_worker_enters_a_need_for_a_resident_and_the_proxy_is_logged(api, need):
    order = need("grid_xp1", on_behalf_of={"name": "王奶奶", "phone": "13905801234"}, title="代王奶奶登记：助浴")
    stored = Order.objects.get(pk=order["id"])
    assert order["channel"] == "proxy"
    assert stored.created_by == person("grid_xp1") and stored.requester is None
    assert (stored.contact_name, stored.contact_phone) == ("王奶奶", "13905801234")
    created = OrderEvent.objects.get(order=stored)
    assert (created.action, created.actor, created.data["channel"]) == ("created", person("grid_xp1"), "proxy")
    audit = AuditEntry.objects.get(target_type="orders.order", target_id=str(stored.pk), action="orders.order.created")
    assert audit.actor == person("grid_xp1")
    assert audit.data["channel"] == "proxy"
    # The worker who entered it speaks for the resident: they may cancel it, and see the contact.
    assert api("grid_xp1").get(f"orders/{stored.pk}").json()["contact"]["name"] == "王奶奶"
    assert "cancel" in api("grid_xp1").get(f"orders/{stored.pk}").json()["actions"]


def test_a_proxy_entry_needs_the_residents_name(api):
    body = {
        "category": "elderly_care",
        "title": "代办",
        "description": "代居民登记。",
        "community": "330903003005",
        "grid": GRID_XP1,
        "on_behalf_of": {"name": "", "phone": "13905801234"},
    }
    response = api("grid_xp1").post("orders", body)
    assert response.status_code == 422
    assert "姓名" in response.json()["errors"]["on_behalf_of.name"][0]


def test_a_grid_worker_enters_only_for_their_own_grid(api):
    body = {
        "category": "elderly_care",
        "title": "代办",
        "description": "代居民登记。",
        "on_behalf_of": {"name": "陈先生", "phone": "13857001234"},
    }
    for place in [{"community": "330903003008"}, {"community": "330903003005", "grid": "330903003005-002"}]:
        response = api("grid_xp1").post("orders", {**body, **place})
        assert response.status_code == 403, place
        assert "网格员" in response.json()["detail"]
    assert not Order.objects.filter(title="代办").exists()


def test_street_staff_enters_a_hotline_call(api, need):
    order = need(
        "street_dg",
        channel="hotline",
        community="330903003008",
        grid=None,
        contact_name="陈先生",
        contact_phone="0580-3801234",
        address="文康社区2号楼",
    )
    stored = Order.objects.get(pk=order["id"])
    assert (order["channel"], order["community"]["code"], order["area"]["code"]) == (
        "hotline",
        "330903003008",
        "330903003008",
    )
    assert (stored.contact_name, stored.contact_phone, stored.created_by) == (
        "陈先生",
        "0580-3801234",
        person("street_dg"),
    )
    assert OrderEvent.objects.get(order=stored).data["channel"] == "hotline"


def test_special_case_goes_to_the_department_by_the_matrix_which_signs_and_replies(api, need):
    district = Area.objects.get(code="330903")
    ResponsibilityRule.objects.update_or_create(
        category=Category.objects.get(code="health"), area=district, defaults={"department": department("区卫健局")}
    )
    order = need(category="health_checkup", scenario="special", title="慢病老人上门体检")
    assert (order["state"], order["department"]["name"]) == ("forwarded", "区卫健局")
    assert OrderEvent.objects.get(order_id=order["id"]).data["auto_forwarded"] == "区卫健局"
    assert notified("dept_wj", order["id"], "orders.created")
    # The department sees it in its inbox; no organization can claim it.
    assert api("dept_wj").get(f"orders/{order['id']}").json()["actions"] == ["sign", "return"]
    assert order["id"] not in [o["id"] for o in api("org_a").get("orders/hall").json()["items"]]

    signed = api("dept_wj").post(f"orders/{order['id']}/sign")
    assert signed.status_code == 200, signed.content
    assert signed.json()["complete_by"] is not None
    replied = api("dept_wj").post(f"orders/{order['id']}/reply", {"reply": "已安排家庭医生每月上门随访。"})
    assert replied.status_code == 200, replied.content
    assert (replied.json()["state"], replied.json()["reply"]) == ("completed", "已安排家庭医生每月上门随访。")
    assert notified("resident_a", order["id"], "orders.replied")

    assert api("resident_a").post(f"orders/{order['id']}/rate", {"stars": 4}).status_code == 200
    assert events(order["id"]) == [
        ("created", "", "forwarded"),
        ("signed", "forwarded", "signed"),
        ("replied", "signed", "completed"),
        ("rated", "completed", "closed"),
    ]
    rating = Rating.objects.get(order_id=order["id"])
    assert (rating.rater_role, rating.org) == ("requester", None)


def test_special_case_without_a_rule_waits_in_the_hall(need):
    ResponsibilityRule.objects.all().delete()
    order = need(category="health_checkup", scenario="special")
    assert (order["state"], order["department"]) == ("pending", None)


def test_department_returns_a_case_with_a_reason(api, need):
    order = need()
    forwarded = api("community_xp").post(f"orders/{order['id']}/forward", {"department": department().pk})
    assert forwarded.json()["state"] == "forwarded"

    missing = api("dept_wj").post(f"orders/{order['id']}/return", {"reason": ""})
    assert missing.status_code == 422
    assert missing.json()["errors"]["reason"] == ["请填写退回理由"]

    returned = api("dept_wj").post(f"orders/{order['id']}/return", {"reason": "属于养老服务，不属卫健职责"})
    assert returned.status_code == 200, returned.content
    assert returned.json()["state"] == "pending"
    assert returned.json()["actions"] == []  # handed back: the department has nothing more to do
    stored = Order.objects.get(pk=order["id"])
    assert (stored.state, stored.department) == ("pending", None)
    last = OrderEvent.objects.filter(order=stored).last()
    assert (last.action, last.note, last.data["department"]) == (
        "returned",
        "属于养老服务，不属卫健职责",
        department().pk,
    )
    assert notified("community_xp", stored.pk, "orders.returned")
    # Back in the hall, and no longer the department's.
    assert api("dept_wj").get(f"orders/{stored.pk}").status_code == 404
    assert stored.pk in [o["id"] for o in api("org_a").get("orders/hall").json()["items"]]


def test_rejected_dispatch_is_reassigned_to_another_organization_which_accepts(api, need):
    order = need("community_xp", org=org_of("org_a").pk)
    rejected = api("org_a").post(f"orders/{order['id']}/reject", {"reason": "本月志愿者不足"})
    assert rejected.status_code == 200, rejected.content
    assert (rejected.json()["state"], rejected.json()["org"]) == ("rejected", None)
    assert notified("community_xp", order["id"], "orders.rejected")
    assert api("org_a").get(f"orders/{order['id']}").status_code == 404

    reassigned = api("community_xp").post(
        f"orders/{order['id']}/reassign", {"org": org_of("org_b").pk, "note": "请支援"}
    )
    assert reassigned.status_code == 200, reassigned.content
    assert (reassigned.json()["state"], reassigned.json()["org"]["id"]) == ("pending", org_of("org_b").pk)
    assert notified("org_b", order["id"], "orders.reassigned")

    assert api("org_a").post(f"orders/{order['id']}/accept").status_code == 404
    accepted = api("org_b").post(f"orders/{order['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    assert events(order["id"]) == [
        ("created", "", "pending"),
        ("rejected", "pending", "rejected"),
        ("reassigned", "rejected", "pending"),
        ("accepted", "pending", "accepted"),
    ]


def test_a_reject_needs_a_reason(api, need):
    order = need("community_xp", org=org_of("org_a").pk)
    response = api("org_a").post(f"orders/{order['id']}/reject", {"reason": " "})
    assert response.status_code == 422
    assert response.json()["errors"]["reason"] == ["请填写拒绝理由"]
    assert Order.objects.get(pk=order["id"]).state == "pending"


def test_reopened_order_goes_back_to_its_organization_and_the_ledger_keeps_one_row(api, need):
    order = need()
    api("org_a").post(f"orders/{order['id']}/claim")
    api("org_a").post(f"orders/{order['id']}/complete", data=complete_body())
    reopened = api("resident_a").post(f"orders/{order['id']}/reopen", {"reason": "只买了一半的菜"})
    assert reopened.status_code == 200, reopened.content
    assert (reopened.json()["state"], reopened.json()["reopen_count"]) == ("accepted", 1)
    assert notified("org_a", order["id"], "orders.reopened")
    again = api("org_a").post(f"orders/{order['id']}/complete", data=complete_body(people_served=2))
    assert again.status_code == 200, again.content
    stored = Order.objects.get(pk=order["id"])
    assert stored.ledger_entry.people_served == 2
    assert stored.ledger_entry.photos_count == 2  # both visits' photos


def test_the_audit_chain_verifies_after_a_whole_life_cycle(api, need):
    order = need()
    api("org_a").post(f"orders/{order['id']}/claim")
    api("org_a").post(f"orders/{order['id']}/complete", data=complete_body())
    api("resident_a").post(f"orders/{order['id']}/reopen", {"reason": "还差一次"})
    api("org_a").post(f"orders/{order['id']}/complete", data=complete_body())
    api("resident_a").post(f"orders/{order['id']}/confirm")
    api("community_xp").post(f"orders/{order['id']}/rate", {"stars": 5})
    api("resident_a").post(f"orders/{order['id']}/rate", {"stars": 4})

    actions = [e.action for e in OrderEvent.objects.filter(order_id=order["id"])]
    assert actions == ["created", "claimed", "completed", "reopened", "completed", "confirmed", "rated", "rated"]
    audited = AuditEntry.objects.filter(target_type="orders.order", target_id=str(order["id"]))
    assert sorted(a.action for a in audited) == sorted(f"orders.order.{a}" for a in actions)
    call_command("audit_verify")  # raises CommandError if any entry was changed
