"""``Idempotency-Key`` on order writes: a retried POST gets the first answer and acts once."""

from __future__ import annotations

from gongzhi.core.models import IdempotencyRecord
from gongzhi.orders.models import Order, OrderEvent, Rating
from gongzhi.orders.tests.conftest import XP
from gongzhi.orders.tests.test_api_transitions import build, complete_body, refused

BODY = {"category": "elderly_care", "title": "重试的需求", "description": "网络不好，点了两次提交。", "community": XP}


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def test_a_retried_post_creates_one_order(api):
    first = api("resident_a").post("orders", BODY, headers=key("retry-1"))
    again = api("resident_a").post("orders", BODY, headers=key("retry-1"))
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Order.objects.filter(title="重试的需求").count() == 1
    # Without a key, or with a new one, it is a new request.
    assert api("resident_a").post("orders", BODY, headers=key("retry-2")).json()["id"] != first.json()["id"]
    assert Order.objects.filter(title="重试的需求").count() == 2


def test_keys_belong_to_one_user(api):
    mine = api("resident_a").post("orders", BODY, headers=key("shared")).json()
    theirs = api("resident_b").post("orders", {**BODY, "grid": f"{XP}-002"}, headers=key("shared")).json()
    assert mine["id"] != theirs["id"]


def test_a_retried_claim_returns_the_same_result_and_claims_once(api):
    order = build("hall")
    first = api("org_a").post(f"orders/{order.pk}/claim", headers=key("claim-1"))
    again = api("org_a").post(f"orders/{order.pk}/claim", headers=key("claim-1"))
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    assert again.json()["state"] == "accepted"
    assert OrderEvent.objects.filter(order=order, action="claimed").count() == 1
    # Without the key the retry is a second claim, which the state machine refuses.
    refused(api("org_a").post(f"orders/{order.pk}/claim"), 409, state="accepted")


def test_a_retried_multipart_completion_stores_the_photos_once(api):
    order = build("accepted")
    first = api("org_a").post(f"orders/{order.pk}/complete", data=complete_body(), headers=key("done-1"))
    again = api("org_a").post(f"orders/{order.pk}/complete", data=complete_body(), headers=key("done-1"))
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["photos"] == again.json()["photos"]
    assert order.photos.count() == 1


def test_a_retried_rating_rates_once(api):
    order = build("completed")
    first = api("resident_a").post(f"orders/{order.pk}/rate", {"stars": 5}, headers=key("rate-1"))
    again = api("resident_a").post(f"orders/{order.pk}/rate", {"stars": 5}, headers=key("rate-1"))
    assert first.json() == again.json()
    assert Rating.objects.filter(order=order).count() == 1


def test_the_same_key_on_another_path_is_a_conflict(api):
    order = build("hall")
    api("org_a").post(f"orders/{order.pk}/claim", headers=key("k-1"))
    other = build("hall")
    body = refused(api("org_a").post(f"orders/{other.pk}/claim", headers=key("k-1")), 409, code="conflict")
    assert f"/api/v1/orders/{order.pk}/claim" in body["detail"]
    assert Order.objects.get(pk=other.pk).state == "pending"


def test_a_refused_action_records_no_key_so_a_corrected_retry_works(api):
    order = build("dispatched")
    refused(api("org_a").post(f"orders/{order.pk}/reject", {"reason": ""}, headers=key("rej")), 422)
    assert not IdempotencyRecord.objects.filter(key="rej").exists()
    done = api("org_a").post(f"orders/{order.pk}/reject", {"reason": "人手不足"}, headers=key("rej"))
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "rejected"


def test_an_action_that_hands_the_order_on_keeps_its_effect_under_a_key(api):
    """The rejecting organization no longer sees the order afterwards; the answer must not undo the action."""
    order = build("forwarded")
    response = api("dept_wj").post(f"orders/{order.pk}/return", {"reason": "不属本部门职责"}, headers=key("ret"))
    assert response.status_code == 200, response.content
    assert Order.objects.get(pk=order.pk).state == "pending"
    assert (
        api("dept_wj").post(f"orders/{order.pk}/return", {"reason": "不属本部门职责"}, headers=key("ret")).json()
        == response.json()
    )


def test_an_overlong_key_is_refused(api):
    refused(api("resident_a").post("orders", BODY, headers=key("k" * 101)), 422)
    assert not Order.objects.filter(title="重试的需求").exists()


def test_a_key_reused_with_a_different_rating_is_refused(api):
    """Found by a probe: 5★ then, with the same key, 1★ answered 200 with the 5★ rating."""
    order = build("completed")
    assert api("resident_a").post(f"orders/{order.pk}/rate", {"stars": 5}, headers=key("rate-2")).status_code == 200
    body = refused(api("resident_a").post(f"orders/{order.pk}/rate", {"stars": 1}, headers=key("rate-2")), 422)
    assert "内容不同" in body["errors"]["Idempotency-Key"][0]
    assert list(Rating.objects.filter(order=order).values_list("stars", flat=True)) == [5]


def test_a_key_reused_with_a_different_need_is_refused(api):
    assert api("resident_a").post("orders", BODY, headers=key("create-2")).status_code == 201
    refused(api("resident_a").post("orders", {**BODY, "title": "另一个需求"}, headers=key("create-2")), 422)
    assert not Order.objects.filter(title="另一个需求").exists()
    # The same body in another key order is the same request.
    same = dict(reversed(list(BODY.items())))
    assert api("resident_a").post("orders", same, headers=key("create-2")).status_code == 201


def test_a_key_reused_with_other_photos_is_refused(api):
    from gongzhi.orders.tests.conftest import jpeg

    order = build("accepted")
    first = api("org_a").post(f"orders/{order.pk}/complete", data=complete_body(), headers=key("done-2"))
    assert first.status_code == 200
    other = complete_body(photos=[jpeg(size=(80, 60))])
    refused(api("org_a").post(f"orders/{order.pk}/complete", data=other, headers=key("done-2")), 422)
