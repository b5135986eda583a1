"""Outbox delivery: email and webhook, retries with backoff, dead letters, concurrent workers, crash recovery."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gongzhi.notify import services
from gongzhi.notify.models import MAX_ATTEMPTS, Channel, OutboxMessage, Status
from gongzhi.notify.services import notify, outbox_deliver_due, outbox_sweep
from gongzhi.notify.tasks import deliver_outbox

pytestmark = pytest.mark.django_db


def _notify(recipients, n=1, **extra):
    return notify(
        recipients=recipients,
        kind="orders.completed",
        title="您的需求已办结，请评价",
        body="请为本次服务打分。",
        url="/orders/7/",
        event_key=f"order:7:event:{n}",
        **extra,
    )


def _webhook_message() -> OutboxMessage:
    return OutboxMessage.objects.get(channel=Channel.WEBHOOK)


# ---- email ----------------------------------------------------------------------------------------


def test_email_is_sent_after_commit_through_the_task(with_email, immediate_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([with_email("resident_a")])
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["resident_a@example.org"]
    assert "您的需求已办结，请评价" in sent.subject
    assert "请为本次服务打分。" in sent.body
    message = OutboxMessage.objects.get()
    assert sent.extra_headers["X-Gongzhi-Delivery"] == str(message.pk)
    assert sent.extra_headers["Message-ID"].startswith(f"<outbox.{message.pk}@")
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    assert message.sent_at is not None


def test_a_mail_server_failure_is_retried(with_email, monkeypatch, due_now):
    _notify([with_email("resident_a")])

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("gongzhi.notify.delivery.EmailMessage.send", refuse)
    assert outbox_deliver_due() == {Status.PENDING: 1}
    message = OutboxMessage.objects.get()
    assert message.status == Status.PENDING and "smtp down" in message.last_error
    assert message.next_attempt_at > message.claimed_at  # backoff: not due again at once
    assert outbox_deliver_due() == {}  # nothing due during the backoff

    monkeypatch.undo()
    due_now()
    assert outbox_deliver_due() == {Status.SENT: 1}
    assert len(mail.outbox) == 1


# ---- webhooks -------------------------------------------------------------------------------------


def test_webhook_post_is_signed_and_carries_the_delivery_id(user, endpoint, receiver):
    endpoint()
    _notify([user("resident_a")])
    deliver_outbox.call()

    assert len(receiver.received) == 1
    got = receiver.received[0]
    message = _webhook_message()
    assert got.signature_ok()
    assert not got.signature_ok("another-secret-0123456789")
    assert got.headers["X-Gongzhi-Event"] == "orders.completed"
    assert got.headers["X-Gongzhi-Delivery"] == str(message.pk)
    assert got.headers["Content-Type"].startswith("application/json")
    document = json.loads(got.body)
    assert document["delivery"] == message.pk
    assert document["event_key"] == "order:7:event:1"
    assert document["title"] == "您的需求已办结，请评价"
    assert document["recipient"] == {"id": user("resident_a").pk}
    assert message.status == Status.SENT


def test_webhook_is_retried_after_a_server_error(user, endpoint, receiver, due_now):
    endpoint()
    receiver.statuses = [500]
    _notify([user("resident_a")])

    assert deliver_outbox.call() == {Status.PENDING: 1}
    message = _webhook_message()
    assert (message.status, message.attempts, message.last_error) == (Status.PENDING, 1, "HTTP 500")
    assert message.next_attempt_at - message.claimed_at >= timedelta(minutes=1)

    due_now()
    assert deliver_outbox.call() == {Status.SENT: 1}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 2, "")
    # Both attempts carried the same delivery id, so a receiver that did get the first can drop the second.
    assert receiver.deliveries() == [str(message.pk)] * 2


def test_redirects_are_not_followed(user, endpoint, receiver):
    endpoint()
    receiver.statuses = [302]
    _notify([user("resident_a")])
    deliver_outbox.call()
    message = _webhook_message()
    assert (message.status, message.last_error) == (Status.PENDING, "HTTP 302")


def test_unreachable_receiver_is_retried(user, endpoint):
    endpoint(url="http://127.0.0.1:9/closed")  # the discard port: nothing listens there
    _notify([user("resident_a")])
    deliver_outbox.call()
    message = _webhook_message()
    assert message.status == Status.PENDING and message.last_error


def test_dead_after_the_last_attempt(user, endpoint, receiver, due_now):
    endpoint()
    receiver.statuses = [500] * (MAX_ATTEMPTS + 5)
    _notify([user("resident_a")])
    for _ in range(MAX_ATTEMPTS):
        due_now()
        deliver_outbox.call()
    message = _webhook_message()
    assert (message.status, message.attempts) == (Status.DEAD, MAX_ATTEMPTS)
    assert len(receiver.received) == MAX_ATTEMPTS

    due_now()
    assert deliver_outbox.call() == {}
    assert len(receiver.received) == MAX_ATTEMPTS


def test_a_disabled_endpoint_fails_without_sending(user, endpoint, receiver):
    hook = endpoint()
    _notify([user("resident_a")])
    hook.active = False
    hook.save()
    assert deliver_outbox.call() == {Status.FAILED: 1}
    assert _webhook_message().status == Status.FAILED
    assert receiver.received == []


# ---- two workers, one message ---------------------------------------------------------------------


def make_messages(endpoint, count):
    """``count`` webhook messages, one per new user (so the demo's people are not involved)."""
    endpoint()
    people = [get_user_model().objects.create_user(username=f"notify-w{i}", password="x" * 12) for i in range(count)]
    for i, person in enumerate(people):
        _notify([person], n=i)
    return OutboxMessage.objects.count()


def test_two_workers_in_a_row_send_each_message_once(endpoint, receiver):
    total = make_messages(endpoint, 6)
    first, second = deliver_outbox.call(), deliver_outbox.call()
    assert first == {"sent": total} and second == {}
    assert sorted(receiver.deliveries()) == sorted(str(pk) for pk in OutboxMessage.objects.values_list("pk", flat=True))
    # (Two at the same moment, on PostgreSQL: test_races.py.)


# ---- a worker dies mid-send -----------------------------------------------------------------------


def _abandon(message: OutboxMessage, minutes_ago: int) -> None:
    """What a worker killed mid-send leaves behind: claimed, attempt counted, never finished."""
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=1, claimed_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def test_a_message_abandoned_while_sending_is_recovered_and_sent_once(user, endpoint, receiver, immediate_tasks):
    endpoint()
    _notify([user("resident_a")])
    message = _webhook_message()
    _abandon(message, minutes_ago=10)

    report = outbox_sweep()
    assert (report.recovered, report.due, report.queued) == (1, 1, True)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)
    assert receiver.deliveries() == [str(message.pk)]

    again = outbox_sweep()
    assert (again.recovered, again.due, again.queued) == (0, 0, False)
    assert receiver.deliveries() == [str(message.pk)]


def test_a_message_still_within_its_lease_is_left_alone(user, endpoint, receiver, immediate_tasks):
    endpoint()
    _notify([user("resident_a")])
    message = _webhook_message()
    _abandon(message, minutes_ago=1)  # the worker may still be talking to the receiver
    assert outbox_sweep().recovered == 0
    assert _webhook_message().status == Status.SENDING
    assert receiver.received == []


def test_a_late_answer_from_the_presumed_dead_worker_does_not_overwrite(user, endpoint, receiver, immediate_tasks):
    endpoint()
    _notify([user("resident_a")])
    slow = services._claim(_webhook_message().pk)  # worker 1 claims, then hangs
    assert slow is not None and slow.attempts == 1
    OutboxMessage.objects.filter(pk=slow.pk).update(claimed_at=timezone.now() - timedelta(minutes=10))
    outbox_sweep()  # worker 2 recovers and sends
    assert services._finish(slow, Status.PENDING, "timed out") == "lost"
    message = _webhook_message()
    assert (message.status, message.attempts) == (Status.SENT, 2)


def test_the_last_attempt_abandoned_is_dead_not_retried_forever(user, endpoint, receiver):
    endpoint()
    _notify([user("resident_a")])
    message = _webhook_message()
    _abandon(message, minutes_ago=10)
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=MAX_ATTEMPTS)
    assert outbox_sweep().recovered == 1
    assert _webhook_message().status == Status.DEAD
    assert receiver.received == []


def test_notify_sweep_command_delivers_in_process(user, endpoint, receiver, db_tasks, capsys):
    endpoint()
    _notify([user("resident_a")])
    _abandon(_webhook_message(), minutes_ago=10)
    call_command("notify_sweep", "--deliver")
    out = capsys.readouterr().out
    assert "recovered: 1" in out and "sent=1" in out
    assert len(receiver.received) == 1


# ---- the task queue (django-tasks-db, as in production) -------------------------------------------


def _queued_runs():
    return DBTaskResult.objects.filter(task_path=deliver_outbox.module_path, status="READY")


def test_one_queued_run_serves_many_notifications(user, endpoint, db_tasks, django_capture_on_commit_callbacks):
    endpoint()
    with django_capture_on_commit_callbacks(execute=True):
        _notify([user("resident_a")], n=1)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([user("resident_b")], n=2)
    assert _queued_runs().count() == 1


def test_the_task_queues_itself_for_the_next_retry(user, endpoint, receiver, db_tasks):
    endpoint()
    receiver.statuses = [500]
    _notify([user("resident_a")])
    deliver_outbox.call()  # as the worker would run it
    message = _webhook_message()
    runs = list(_queued_runs())
    assert [r.run_after for r in runs] == [message.next_attempt_at]

    deliver_outbox.call()  # a second run meanwhile (nothing due) must not queue a duplicate
    assert _queued_runs().count() == 1


def test_sweep_queues_a_run_for_due_messages_when_none_is_queued(user, endpoint, db_tasks):
    endpoint()
    _notify([user("resident_a")])  # as if the process died before its on_commit hook ran
    assert _queued_runs().count() == 0
    assert outbox_sweep().queued is True
    assert outbox_sweep().queued is False  # already queued
    assert _queued_runs().count() == 1
