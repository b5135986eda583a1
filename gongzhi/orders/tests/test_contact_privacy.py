"""A requester's contact data reaches an organization or department only while it holds the order open, and
never through a notification (issue 18: org_a still saw the full phone on /orders/3/ once it was 已办结).

Each check looks at the whole answer — the HTML page and the API payload — for the full phone and the full
name, not at one field, so a leak through the timeline or an event's actor is caught too.
"""

from __future__ import annotations

import json

import pytest

from gongzhi.notify.models import Notification
from gongzhi.orders import services
from gongzhi.orders.models import Order
from gongzhi.orders.tests.test_api_transitions import _complete, department, new_order, org_of, person

PHONE = "13812341234"
ID_NUMBER = "330903195003071234"
NAME = "张阿姨"


def _order(situation: str) -> Order:
    """An order of resident_a (phone PHONE) brought to ``situation`` with org_a or 区卫健局 holding it."""
    order = new_order(contact_phone=PHONE)
    org, resident, dept = person("org_a"), person("resident_a"), person("dept_wj")
    if situation in ("accepted", "completed", "closed"):
        services.order_claim(actor=org, order_id=order.pk)
        if situation != "accepted":
            _complete(order)
        if situation == "closed":
            services.order_confirm(actor=resident, order_id=order.pk)
    else:
        services.order_forward(actor=person("community_xp"), order_id=order.pk, department_id=department().pk)
        if situation != "forwarded":
            services.order_sign(actor=dept, order_id=order.pk)
        if situation in ("replied", "dept_closed"):
            services.order_reply(actor=dept, order_id=order.pk, reply="已安排家庭医生上门随访。")
        if situation == "dept_closed":
            services.order_confirm(actor=resident, order_id=order.pk)
    return Order.objects.get(pk=order.pk)


def _seen_by(web, api, username: str, order: Order) -> tuple[str, str]:
    page = web(username).get(f"/orders/{order.pk}/")
    payload = api(username).get(f"orders/{order.pk}")
    assert page.status_code == 200 and payload.status_code == 200, (page.status_code, payload.status_code)
    return page.content.decode(), payload.content.decode()


@pytest.mark.parametrize(
    ("situation", "username", "state"),
    [("accepted", "org_a", "accepted"), ("forwarded", "dept_wj", "forwarded"), ("signed", "dept_wj", "signed")],
)
def test_the_holder_of_an_open_order_sees_the_contact(web, api, situation, username, state):
    order = _order(situation)
    assert order.state == state
    html, payload = _seen_by(web, api, username, order)
    assert PHONE in html and NAME in html
    assert json.loads(payload)["contact"]["phone"] == PHONE


@pytest.mark.parametrize(
    ("situation", "username", "state"),
    [
        ("completed", "org_a", "completed"),
        ("closed", "org_a", "closed"),
        ("replied", "dept_wj", "completed"),
        ("dept_closed", "dept_wj", "closed"),
    ],
)
def test_once_the_work_is_done_the_organization_or_department_sees_the_contact_masked(
    web, api, situation, username, state
):
    order = _order(situation)
    assert order.state == state
    html, payload = _seen_by(web, api, username, order)
    for text in (html, payload):
        assert PHONE not in text and NAME not in text
    assert "138****1234" in html
    assert json.loads(payload)["contact"] == {
        "name": "张**",
        "phone": "138****1234",
        "address": json.loads(payload)["contact"]["address"],
    }
    # The requester and the community still see it whole.
    for who in ("resident_a", "community_xp"):
        assert json.loads(_seen_by(web, api, who, order)[1])["contact"]["phone"] == PHONE


def test_an_organization_looking_at_the_hall_does_not_learn_the_requesters_name_from_the_history(web, api):
    order = new_order(contact_phone=PHONE)
    html, payload = _seen_by(web, api, "org_b", order)
    assert NAME not in html and NAME not in payload
    assert PHONE not in html and PHONE not in payload


def test_notifications_never_carry_a_phone_or_id_number(api):
    order = new_order(contact_phone=PHONE, title=f"请回电 {PHONE}")
    services.order_claim(actor=person("org_a"), order_id=order.pk)
    _complete(order)
    services.order_reopen(
        actor=person("resident_a"),
        order_id=order.pk,
        reason=f"没有做完，请打 {PHONE} 或 0580-3801234 联系我，身份证 {ID_NUMBER}",
    )
    sent = Notification.objects.filter(target_id=str(order.pk), recipient__username="org_a")
    assert sent.count() >= 1
    for notification in sent:
        text = f"{notification.title} {notification.body} {json.dumps(notification.data, ensure_ascii=False)}"
        assert PHONE not in text and ID_NUMBER not in text and "3801234" not in text, text
    reopened = sent.get(kind="orders.reopened")
    assert "138****1234" in reopened.body and "330903********1234" in reopened.body
    inbox = api("org_a").get("notifications").content.decode()
    assert PHONE not in inbox and ID_NUMBER not in inbox
    # The organization holds the reopened order again, so the order page itself shows the contact.
    assert api("org_a").get(f"orders/{order.pk}").json()["contact"]["phone"] == PHONE
    assert org_of("org_a").pk == Order.objects.get(pk=order.pk).org_id
