"""Every transition through ``POST /api/v1/orders/{id}/{action}``: the right persona moves the order and
leaves exactly one event; someone who sees the order but may not act gets 403 in Chinese; the wrong
state gets 409 naming the current state; an outsider gets 404. Nothing changes on a refusal.

The starting situations are built through the services (the API is what is under test here); the
builders below are shared by the other order test modules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from gongzhi.accounts.models import Grant, Role, User
from gongzhi.orders import services
from gongzhi.orders.models import Order, OrderEvent
from gongzhi.orders.tests.conftest import XP, jpeg
from gongzhi.orgs.models import Department, Organization

CJK = re.compile(r"[\u4e00-\u9fff]")
GRID_XP1 = f"{XP}-001"


# ---- helpers shared by the order tests ------------------------------------------------------------


def person(username: str) -> User:
    return User.objects.get(username=username)


def org_of(username: str) -> Organization:
    return Grant.objects.get(user__username=username, role__in=[Role.ORG_ADMIN, Role.ORG_MEMBER]).organization


def department(name: str = "区卫健局") -> Department:
    return Department.objects.get(name=name, area__code="330903")


def new_order(username: str = "resident_a", **fields: Any) -> Order:
    body = {
        "category": "elderly_care",
        "title": "帮忙买菜",
        "description": "腿脚不便，想请人每周帮忙买两次菜。",
        "community": XP,
        "grid": GRID_XP1,
        "address": "兴普社区3号楼201室",
        **fields,
    }
    return services.order_create(actor=person(username), **body)


def _complete(order: Order, username: str = "org_a") -> None:
    services.order_complete(
        actor=person(username), order_id=order.pk, description="已上门完成服务，居民满意。", photos=[jpeg()]
    )


# situation: (previous situation, how to get from it to this one)
RECIPES: dict[str, tuple[str | None, Callable[[Order | None], Any]]] = {
    "hall": (None, lambda _o: new_order()),
    "dispatched": (None, lambda _o: new_order("community_xp", org=org_of("org_a").pk)),
    "rejected": (
        "dispatched",
        lambda o: services.order_reject(actor=person("org_a"), order_id=o.pk, reason="人手不足，无法按时服务"),
    ),
    "accepted": ("hall", lambda o: services.order_claim(actor=person("org_a"), order_id=o.pk)),
    "completed": ("accepted", _complete),
    "closed": ("completed", lambda o: services.order_confirm(actor=person("resident_a"), order_id=o.pk)),
    "forwarded": (
        "hall",
        lambda o: services.order_forward(actor=person("community_xp"), order_id=o.pk, department_id=department().pk),
    ),
    "signed": ("forwarded", lambda o: services.order_sign(actor=person("dept_wj"), order_id=o.pk)),
    "replied": (
        "signed",
        lambda o: services.order_reply(actor=person("dept_wj"), order_id=o.pk, reply="已安排家庭医生上门随访。"),
    ),
}


def build(situation: str) -> Order:
    """An order in 兴普一网格 brought to ``situation`` (a key of RECIPES) through the services."""
    previous, step = RECIPES[situation]
    order = build(previous) if previous else None
    made = step(order)
    return Order.objects.get(pk=(order or made).pk)


def refused(response: Any, status: int, **expected: Any) -> dict[str, Any]:
    """Assert an error answer with a Chinese message (and the given payload fields); return its body."""
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert CJK.search(body["detail"]), body
    for key, value in expected.items():
        assert body[key] == value, (key, body)
    return body


def snapshot(order_id: int) -> tuple[Any, ...]:
    order = Order.objects.get(pk=order_id)
    return (
        order.state,
        order.org_id,
        order.department_id,
        order.reminder_count,
        order.reopen_count,
        OrderEvent.objects.filter(order_id=order_id).count(),
    )


def complete_body(**extra: Any) -> dict[str, Any]:
    return {"description": "已上门帮忙采购蔬菜水果。", "photos": [jpeg()], "people_served": 1, **extra}


# ---- the table of transitions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    action: str
    start: str
    actor: str
    to_state: str
    event: str
    forbidden: str  # sees the order, may not act: 403
    wrong_state: str  # a situation the actor cannot act in: 409
    outsider: str  # does not see the order: 404
    body: dict[str, Any] = field(default_factory=dict)
    multipart: bool = False


CASES = [
    Case("claim", "hall", "org_a", "accepted", "claimed", "resident_a", "accepted", "dept_wj"),
    Case("accept", "dispatched", "org_a", "accepted", "accepted", "community_xp", "accepted", "org_b"),
    Case(
        "reject",
        "dispatched",
        "org_a",
        "rejected",
        "rejected",
        "community_xp",
        "accepted",
        "org_b",
        {"reason": "本月人手不足"},
    ),
    Case(
        "reassign",
        "rejected",
        "community_xp",
        "pending",
        "reassigned",
        "grid_xp1",
        "accepted",
        "resident_b",
        {"org": None},
    ),
    Case("complete", "accepted", "org_a", "completed", "completed", "resident_a", "completed", "org_b", multipart=True),
    Case("confirm", "completed", "resident_a", "closed", "confirmed", "org_a", "accepted", "resident_b"),
    Case(
        "rate",
        "completed",
        "resident_a",
        "closed",
        "rated",
        "org_a",
        "accepted",
        "resident_b",
        {"stars": 5, "comment": "很好"},
    ),
    Case(
        "reopen",
        "completed",
        "resident_a",
        "accepted",
        "reopened",
        "org_a",
        "closed",
        "resident_b",
        {"reason": "厨房还没打扫"},
    ),
    Case(
        "cancel",
        "hall",
        "resident_a",
        "cancelled",
        "cancelled",
        "community_xp",
        "accepted",
        "resident_b",
        {"reason": "已自行解决"},
    ),
    Case("forward", "hall", "community_xp", "forwarded", "forwarded", "resident_a", "accepted", "resident_b"),
    Case("sign", "forwarded", "dept_wj", "signed", "signed", "community_xp", "signed", "resident_b"),
    Case(
        "reply",
        "signed",
        "dept_wj",
        "completed",
        "replied",
        "community_xp",
        "forwarded",
        "resident_b",
        {"reply": "已安排家庭医生上门随访。"},
    ),
    Case(
        "return",
        "forwarded",
        "dept_wj",
        "pending",
        "returned",
        "community_xp",
        "replied",
        "resident_b",
        {"reason": "不属于本部门职责"},
    ),
    Case(
        "remind",
        "dispatched",
        "community_xp",
        "pending",
        "reminded",
        "grid_xp1",
        "completed",
        "org_b",
        {"note": "请尽快联系居民"},
    ),
]


def _post(api: Any, case: Case, username: str, order_id: int, body: dict[str, Any] | None = None) -> Any:
    path = f"orders/{order_id}/{case.action}"
    payload = body if body is not None else _body(case)
    if case.multipart:
        return api(username).post(path, data=complete_body())
    return api(username).post(path, payload)


def _body(case: Case) -> dict[str, Any]:
    if case.action == "forward":
        return {"department": department().pk, "note": "涉及医疗专业"}
    return case.body


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_the_right_persona_moves_the_order_and_leaves_one_event(api, case):
    order = build(case.start)
    before = OrderEvent.objects.filter(order=order).count()

    response = _post(api, case, case.actor, order.pk)

    assert response.status_code == 200, response.content.decode()
    order.refresh_from_db()
    assert order.state == case.to_state
    events = list(OrderEvent.objects.filter(order=order))
    assert len(events) == before + 1
    last = events[-1]
    assert (last.action, last.to_state, last.actor.username) == (case.event, case.to_state, case.actor)
    if case.action != "rate":  # rate answers with the rating; every other action with the order
        assert response.json()["state"] == case.to_state
        assert response.json()["events"][-1]["action"] == case.event


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_who_sees_but_may_not_act_gets_403_and_nothing_changes(api, case):
    order = build(case.start)
    assert api(case.forbidden).get(f"orders/{order.pk}").status_code == 200  # they do see it
    before = snapshot(order.pk)

    refused(_post(api, case, case.forbidden, order.pk), 403, code="permission_denied")

    assert snapshot(order.pk) == before


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_the_wrong_state_gets_409_with_the_current_state(api, case):
    order = build(case.wrong_state)
    before = snapshot(order.pk)

    body = refused(_post(api, case, case.actor if case.action != "claim" else "org_b", order.pk), 409)

    assert body["state"] == order.state
    assert snapshot(order.pk) == before


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_an_outsider_gets_404_and_nothing_changes(api, case):
    order = build(case.start)
    assert api(case.outsider).get(f"orders/{order.pk}").status_code == 404
    before = snapshot(order.pk)

    refused(_post(api, case, case.outsider, order.pk), 404, code="not_found")
    refused(_post(api, case, "expert_a", order.pk), 404, code="not_found")

    assert snapshot(order.pk) == before
    assert api(None).post(f"orders/{order.pk}/{case.action}", {}).status_code == 401


def test_a_late_claim_names_who_holds_the_order(api):
    order = build("accepted")
    body = refused(api("org_b").post(f"orders/{order.pk}/claim"), 409, state="accepted")
    assert body["holder"] == org_of("org_a").name
    assert org_of("org_a").name in body["detail"]


def test_claiming_for_an_organization_one_is_not_a_member_of_is_refused(api):
    order = build("hall")
    refused(api("org_a").post(f"orders/{order.pk}/claim", {"org": org_of("org_b").pk}), 403)
    assert snapshot(order.pk)[0] == "pending"


def test_a_dispatched_order_cannot_be_claimed_from_under_its_organization(api):
    order = build("dispatched")
    body = refused(api("org_b").post(f"orders/{order.pk}/claim"), 409, state="pending")
    assert body["holder"] == org_of("org_a").name
    assert Order.objects.get(pk=order.pk).org == org_of("org_a")


def test_unknown_action_is_not_found(api):
    order = build("hall")
    assert api("resident_a").post(f"orders/{order.pk}/teleport").status_code in (404, 405)


def test_one_reminder_per_order_per_period(api, settings):
    """A client once sent 357 reminders in minutes, each notifying the organization."""
    from datetime import timedelta

    from gongzhi.notify.models import Notification

    order = build("dispatched")
    first = api("community_xp").post(f"orders/{order.pk}/remind", {"note": "请尽快联系居民"})
    assert first.status_code == 200
    told = Notification.objects.filter(kind="orders.reminded").count()
    again = api("street_dg").post(f"orders/{order.pk}/remind", {"note": "再催一次"})
    body = refused(again, 429)
    assert "24 小时内只能催办一次" in body["detail"] and body["retry_after"] > 23 * 3600
    assert again["Retry-After"] == str(body["retry_after"])
    assert Notification.objects.filter(kind="orders.reminded").count() == told
    assert Order.objects.get(pk=order.pk).reminder_count == 1
    # After the period a new reminder goes through.
    OrderEvent.objects.filter(order=order, action="reminded").update(at=order.created_at - timedelta(hours=25))
    assert api("street_dg").post(f"orders/{order.pk}/remind", {"note": "再催一次"}).status_code == 200
    assert Order.objects.get(pk=order.pk).reminder_count == 2


@pytest.mark.parametrize("stars", ["5", True, 4.0, None, 0, 6])
def test_stars_must_be_a_whole_number_from_1_to_5(api, stars):
    order = build("completed")
    response = api("resident_a").post(f"orders/{order.pk}/rate", {"stars": stars, "comment": "好"})
    body = refused(response, 422)
    assert "stars" in body["errors"]
    assert Order.objects.get(pk=order.pk).state == "completed"
