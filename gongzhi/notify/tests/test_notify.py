"""notify(): inbox and outbox rows are written in the caller's transaction, once per event and recipient."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.areas.models import Area
from gongzhi.notify.models import Channel, Notification, OutboxMessage, Status, WebhookEndpoint
from gongzhi.notify.services import notify

pytestmark = pytest.mark.django_db


def _notify(recipients, event_key="order:1:event:1", **extra):
    return notify(
        recipients=recipients,
        kind=extra.pop("kind", "orders.completed"),
        title="您的需求已办结，请评价",
        body="海韵社工已完成上门服务。",
        url="/orders/1/",
        event_key=event_key,
        **extra,
    )


def test_notify_writes_inbox_and_outbox_rows(with_email, user, endpoint):
    hook = endpoint()
    resident = with_email("resident_a")
    community = Area.objects.get(code="330903003005")
    rows = _notify([resident, user("resident_b")], target=community, data={"order": 1})

    assert [n.recipient.username for n in rows] == ["resident_a", "resident_b"]
    first = Notification.objects.get(recipient=resident)
    assert (first.target_type, first.target_id, first.url, first.read_at) == (
        "areas.area",
        str(community.pk),
        "/orders/1/",
        None,
    )
    assert first.data == {"order": 1}
    outbox = OutboxMessage.objects.order_by("recipient__username", "channel")
    # resident_a has an email address: email + webhook; resident_b has none: webhook only.
    assert [(m.recipient.username, m.channel, m.endpoint_id) for m in outbox] == [
        ("resident_a", Channel.EMAIL, None),
        ("resident_a", Channel.WEBHOOK, hook.pk),
        ("resident_b", Channel.WEBHOOK, hook.pk),
    ]
    assert all(m.status == Status.PENDING and m.attempts == 0 for m in outbox)
    email = outbox[0].payload
    assert email["to"] == "resident_a@example.org" and "您的需求已办结" in email["subject"]
    assert outbox[1].payload["event"] == "orders.completed"
    assert outbox[1].payload["target"] == {"type": "areas.area", "id": str(community.pk)}


def test_delivery_is_queued_only_after_commit(user, endpoint, django_capture_on_commit_callbacks, monkeypatch):
    endpoint()
    queued = []
    monkeypatch.setattr("gongzhi.notify.tasks.enqueue_delivery", lambda *a, **k: queued.append(1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify([user("resident_a")])
        assert queued == []  # still inside the transaction: nothing may be sent yet
    assert len(callbacks) == 1 and queued == [1]


def test_rollback_of_the_callers_transaction_leaves_nothing(with_email, endpoint, django_capture_on_commit_callbacks):
    endpoint()
    resident = with_email("resident_a")

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Boom), transaction.atomic():
        _notify([resident])
        assert Notification.objects.count() == 1 and OutboxMessage.objects.count() == 2
        raise Boom
    assert Notification.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert callbacks == []  # and no delivery was queued


def test_retry_with_the_same_event_key_creates_nothing_twice(with_email, user, endpoint):
    endpoint()
    resident = with_email("resident_a")
    first = _notify([resident])
    again = _notify([resident, resident])  # a retried request, and a recipient listed twice
    assert [n.pk for n in again] == [n.pk for n in first]
    assert Notification.objects.count() == 1
    assert OutboxMessage.objects.count() == 2

    # A new recipient on the retry gets theirs; a new event key is a new notification.
    _notify([resident, user("resident_b")])
    _notify([resident], event_key="order:1:event:2")
    assert Notification.objects.filter(recipient=resident).count() == 2
    assert Notification.objects.filter(recipient__username="resident_b").count() == 1


def test_webhooks_receive_only_the_kinds_they_subscribe_to(user, endpoint):
    orders = endpoint(kinds=["orders."], name="工单对接")
    endpoint(kinds=["projects"], name="项目对接")
    endpoint(active=False, name="已停用")
    _notify([user("resident_a")], kind="orders.completed")
    assert list(OutboxMessage.objects.values_list("endpoint", flat=True)) == [orders.pk]


@given(
    prefix=st.sampled_from(["orders", "orders.", "orders.completed", "*"]),
    kind=st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8}){0,2}", fullmatch=True),
)
@settings(max_examples=60, deadline=None)
def test_kind_prefix_matches_whole_segments(prefix, kind):
    endpoint = WebhookEndpoint(kinds=[prefix])
    segments = prefix.rstrip(".").split(".")
    expected = prefix == "*" or kind.split(".")[: len(segments)] == segments
    assert endpoint.accepts(kind) is expected


def test_no_recipients_is_nothing(db):
    assert notify(recipients=[], kind="orders.completed", title="x", event_key="k") == []
    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"event_key": ""},
        {"kind": ""},
        {"url": "javascript:alert(1)"},
        {"url": "//evil.example/"},
        {"event_key": "k" * 201},
    ],
)
def test_programming_errors_are_refused(user, bad):
    args = {"recipients": [user("resident_a")], "kind": "orders.completed", "title": "x", "event_key": "k", **bad}
    with pytest.raises(ValueError):
        notify(**args)
    assert Notification.objects.count() == 0


def test_links_in_email_and_webhook_are_absolute_when_the_site_url_is_known(with_email, endpoint, settings):
    settings.SITE_URL = "https://gongzhi.example.gov.cn/"
    endpoint()
    _notify([with_email("resident_a")])
    email = OutboxMessage.objects.get(channel=Channel.EMAIL).payload
    hook = OutboxMessage.objects.get(channel=Channel.WEBHOOK).payload
    assert "https://gongzhi.example.gov.cn/orders/1/" in email["body"]
    assert hook["url"] == "https://gongzhi.example.gov.cn/orders/1/"
    assert Notification.objects.get().url == "/orders/1/"  # the inbox keeps the site path
