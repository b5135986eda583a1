"""Time limits in working days, the overdue flag and the supervision list (督办), reminders (催办) and
the automatic closing of completed orders nobody confirmed.

The clock of the order services is set to known 2026 dates (``services._now``) so the deadlines do not
depend on the day the tests run; the holiday calendar is the real one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from gongzhi.notify.models import Notification
from gongzhi.orders import services
from gongzhi.orders.models import Category, Order, OrderEvent
from gongzhi.orders.tests.conftest import jpeg
from gongzhi.orders.tests.test_api_transitions import build, new_order, org_of, person
from gongzhi.workdays.selectors import add_working_days

CHINA = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.usefixtures("demo")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CHINA)


@pytest.fixture
def clock(monkeypatch):
    """``clock(when)`` sets the time the order services see."""

    def set_to(when: datetime) -> None:
        monkeypatch.setattr(services, "_now", lambda: when)

    return set_to


# ---- deadlines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created", "urgency", "accept_by"),
    [
        # Wednesday before National Day: the holiday runs 1-7 October (and the 8th is a working day).
        (at(2026, 9, 30, 10), "normal", at(2026, 10, 8, 23, 59, 59)),
        # Urgent: 0 working days, the end of the same working day.
        (at(2026, 9, 30, 10), "urgent", at(2026, 9, 30, 23, 59, 59)),
        # Posted on a Saturday: counting starts on Monday.
        (at(2026, 11, 21, 9), "normal", at(2026, 11, 24, 23, 59, 59)),
        (at(2026, 11, 21, 9), "urgent", at(2026, 11, 23, 23, 59, 59)),
        # 11 October 2026 is a Sunday; 10 October (Saturday) is a make-up working day (调休).
        (at(2026, 10, 9, 16), "normal", at(2026, 10, 10, 23, 59, 59)),
    ],
)
def test_accept_by_counts_working_days_from_the_holiday_calendar(clock, created, urgency, accept_by):
    clock(created)
    order = new_order(urgency=urgency)
    days = order.category.urgent_accept_days if urgency == "urgent" else order.category.accept_days
    assert order.accept_by == add_working_days(created, days)
    assert order.accept_by == accept_by
    assert order.complete_by is None


def test_complete_by_starts_when_the_order_is_taken_on(clock):
    clock(at(2026, 9, 28, 9))
    order = new_order(category="culture")  # 3 working days to accept, 15 to complete
    assert order.accept_by == add_working_days(order.created_at, 3) == at(2026, 10, 8, 23, 59, 59)
    clock(at(2026, 9, 29, 15))
    services.order_claim(actor=person("org_a"), order_id=order.pk)
    order.refresh_from_db()
    culture = Category.objects.get(code="culture")
    assert order.accepted_at == at(2026, 9, 29, 15)
    assert order.complete_by == add_working_days(order.accepted_at, culture.complete_days)
    assert order.complete_by == at(2026, 10, 26, 23, 59, 59)


def test_urgent_order_uses_the_urgent_limits(clock):
    clock(at(2026, 11, 2, 9))  # a Monday
    order = new_order(category="health", urgency="urgent")
    health = order.category
    assert order.accept_by == add_working_days(order.created_at, health.urgent_accept_days)
    services.order_claim(actor=person("org_a"), order_id=order.pk)
    order.refresh_from_db()
    assert order.complete_by == add_working_days(order.accepted_at, health.urgent_complete_days)
    assert order.complete_by == at(2026, 11, 3, 23, 59, 59)


def test_a_year_the_calendar_does_not_know_is_flagged_not_guessed(clock):
    clock(at(2031, 3, 3, 9))
    order = new_order()
    assert order.accept_by is None
    assert OrderEvent.objects.get(order=order).data["deadline"] == "calendar_missing"


def test_reassigning_gives_a_fresh_accept_by(clock):
    clock(at(2026, 11, 2, 9))
    order = new_order("community_xp", org=org_of("org_a").pk)
    services.order_reject(actor=person("org_a"), order_id=order.pk, reason="人手不足")
    clock(at(2026, 11, 6, 9))
    services.order_reassign(actor=person("community_xp"), order_id=order.pk, org_id=org_of("org_b").pk)
    order.refresh_from_db()
    assert order.accept_by == add_working_days(at(2026, 11, 6, 9), order.category.accept_days)


# ---- overdue and supervision --------------------------------------------------------------------


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [o["id"] for o in response.json()["items"]]


def test_overdue_orders_are_flagged_and_listed_for_supervision(api):
    late = build("dispatched")
    on_time = build("dispatched")
    wenkang_late = new_order("street_dg", org=org_of("org_b").pk, community="330903003008", grid=None)
    past = timezone.now() - timedelta(hours=1)
    Order.objects.filter(pk__in=[late.pk, wenkang_late.pk]).update(accept_by=past)
    Order.objects.filter(pk=on_time.pk).update(accept_by=timezone.now() + timedelta(days=2))

    for staff in ["community_xp", "street_dg"]:
        overdue = _ids(api(staff).get("orders", overdue="true"))
        assert late.pk in overdue and on_time.pk not in overdue, staff
        assert late.pk in _ids(api(staff).get("orders/supervision")), staff
        assert on_time.pk not in _ids(api(staff).get("orders/supervision")), staff
        assert on_time.pk in _ids(api(staff).get("orders", overdue="false")), staff
    listed = {o["id"]: o["overdue"] for o in api("community_xp").get("orders").json()["items"]}
    assert listed[late.pk] is True and listed[on_time.pk] is False
    # 兴普's worker does not supervise 文康; the street does.
    assert wenkang_late.pk not in _ids(api("community_xp").get("orders/supervision"))
    assert wenkang_late.pk in _ids(api("street_dg").get("orders/supervision"))
    # The organization sees the flag on its own order, but supervision is not theirs; nor a resident's.
    assert api("org_a").get(f"orders/{late.pk}").json()["overdue"] is True
    for outsider in ["org_a", "resident_b", "grid_xp1", "dept_wj"]:
        assert _ids(api(outsider).get("orders/supervision")) == [], outsider
    assert api(None).get("orders/supervision").status_code == 401


def test_an_order_in_hand_is_overdue_after_complete_by_and_not_once_completed(api):
    order = build("accepted")
    Order.objects.filter(pk=order.pk).update(
        complete_by=timezone.now() - timedelta(minutes=5), accept_by=timezone.now() - timedelta(days=3)
    )
    assert order.pk in _ids(api("community_xp").get("orders/supervision"))
    services.order_complete(actor=person("org_a"), order_id=order.pk, description="已完成上门服务。", photos=[jpeg()])
    assert order.pk not in _ids(api("community_xp").get("orders/supervision"))
    assert api("community_xp").get(f"orders/{order.pk}").json()["overdue"] is False


def test_a_reminder_is_logged_counted_and_reaches_the_organization(api, settings):
    settings.ORDER_REMIND_COOLDOWN_HOURS = 0  # the cooldown has its own test; here two reminders in a row
    order = build("dispatched")
    Order.objects.filter(pk=order.pk).update(accept_by=timezone.now() - timedelta(days=1))
    assert "remind" in api("community_xp").get(f"orders/{order.pk}").json()["actions"]

    first = api("community_xp").post(f"orders/{order.pk}/remind", {"note": "居民来电催问"})
    second = api("street_dg").post(f"orders/{order.pk}/remind")

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["reminder_count"] == 2
    reminders = OrderEvent.objects.filter(order=order, action="reminded")
    assert [(e.actor.username, e.from_state, e.to_state) for e in reminders] == [
        ("community_xp", "pending", "pending"),
        ("street_dg", "pending", "pending"),
    ]
    assert reminders[0].note == "居民来电催问"
    inbox = Notification.objects.filter(recipient=person("org_a"), kind="orders.reminded", target_id=str(order.pk))
    assert inbox.count() == 2
    assert "催办" in inbox.first().title
    assert not Notification.objects.filter(recipient=person("community_xp"), kind="orders.reminded").exists()


def test_an_order_nobody_holds_cannot_be_reminded(api):
    order = build("hall")
    response = api("community_xp").post(f"orders/{order.pk}/remind")
    assert response.status_code == 409
    assert "承办方" in response.json()["detail"]
    assert Order.objects.get(pk=order.pk).reminder_count == 0


# ---- auto close -----------------------------------------------------------------------------------


def test_completed_orders_nobody_confirmed_are_closed_after_the_configured_days():
    old = build("completed")
    recent = build("completed")
    now = timezone.now()
    completed_long_ago = now - timedelta(days=settings.ORDER_AUTO_CLOSE_DAYS, minutes=1)
    Order.objects.filter(pk=old.pk).update(completed_at=completed_long_ago)

    assert services.orders_auto_close(now=now) == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.state, recent.state) == ("closed", "completed")
    assert old.closed_at is not None
    event = OrderEvent.objects.filter(order=old).last()
    assert (event.action, event.from_state, event.to_state, event.actor) == ("auto_closed", "completed", "closed", None)
    assert str(settings.ORDER_AUTO_CLOSE_DAYS) in event.note
    # Idempotent: a second run finds nothing and writes nothing.
    assert services.orders_auto_close(now=now) == 0
    assert OrderEvent.objects.filter(order=old, action="auto_closed").count() == 1
    # The recent one closes once its time has come.
    later = recent.completed_at + timedelta(days=settings.ORDER_AUTO_CLOSE_DAYS, seconds=1)
    assert services.orders_auto_close(now=later) == 1
    assert Order.objects.get(pk=recent.pk).state == "closed"


def test_auto_close_leaves_other_states_alone():
    orders = [build(s) for s in ("hall", "accepted", "closed", "signed")]
    long_ago = timezone.now() - timedelta(days=365)
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(completed_at=long_ago, created_at=long_ago)
    before = {o.pk: o.state for o in orders}
    assert services.orders_auto_close(now=timezone.now()) == 0
    assert {o.pk: o.state for o in Order.objects.filter(pk__in=before)} == before


def test_an_auto_closed_order_can_still_be_rated_by_its_requester(api):
    order = build("completed")
    Order.objects.filter(pk=order.pk).update(completed_at=timezone.now() - timedelta(days=30))
    services.orders_auto_close()
    response = api("resident_a").post(f"orders/{order.pk}/rate", {"stars": 3})
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert order.state == "closed"
    assert order.ledger_entry.rating == 3
    assert OrderEvent.objects.filter(order=order).last().from_state == "closed"
