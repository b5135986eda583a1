"""Writes: ``notify`` (inbox and outbox in the caller's transaction), read marks, and outbox delivery.

Delivery guarantees, as far as a platform can give them: a message is claimed by one worker with a
conditional UPDATE, so two workers never send it at the same time; a worker that dies mid-send
leaves a "sending" row that is put back after :data:`SENDING_LEASE` and sent again. The delivery id
(the outbox row id, ``X-Gongzhi-Delivery``; the email's Message-ID) lets receivers drop the rare
duplicate that a crash after sending but before recording can cause.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import get_for, restrict
from gongzhi.audit.services import canonical_data
from gongzhi.notify import delivery
from gongzhi.notify.models import (
    EVENT_KEY_MAX,
    KIND_MAX,
    MAX_ATTEMPTS,
    SENDING_LEASE,
    TITLE_MAX,
    URL_MAX,
    Channel,
    Notification,
    OutboxMessage,
    Status,
    WebhookEndpoint,
    backoff,
)
from gongzhi.notify.selectors import outbox_next_wakeup
from gongzhi.notify.tasks import enqueue_delivery, enqueue_delivery_after_commit

logger = logging.getLogger(__name__)

DELIVERY_BATCH = 100


# ---- notify ---------------------------------------------------------------------------------------


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    target: models.Model | None = None,
    url: str = "",
    data: dict[str, Any] | None = None,
    event_key: str,
) -> list[Notification]:
    """Put a notification in each recipient's inbox and queue its email and webhook deliveries.

    Runs inside the caller's transaction: if it rolls back, nothing was notified and nothing is sent.
    Idempotent per ``event_key`` and recipient: calling again (a retried request) creates nothing new
    and returns the existing rows. Returns the notifications in the order of ``recipients``.
    """
    if not event_key or not kind:
        raise ValueError("notify() needs a kind and an event_key (the key that makes a retry harmless)")
    if len(event_key) > EVENT_KEY_MAX or len(kind) > KIND_MAX or len(url) > URL_MAX:
        raise ValueError(
            f"notify() event_key, kind and url are limited to {EVENT_KEY_MAX}, {KIND_MAX}, {URL_MAX} characters"
        )
    if url and not (url.startswith(("https://", "http://")) or (url.startswith("/") and not url.startswith("//"))):
        raise ValueError(f"notify() url must be a site path (/orders/5/) or an http(s) address, not {url!r}")
    users = list({u.pk: u for u in recipients if getattr(u, "pk", None)}.values())
    if not users:
        return []
    event = _Event(
        kind=kind,
        title=title[:TITLE_MAX],
        body=body,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        url=url,
        data=canonical_data(data),
        event_key=event_key,
        at=timezone.now(),
    )
    with transaction.atomic():
        already = set(
            Notification.objects.filter(event_key=event_key, recipient__in=users).values_list("recipient_id", flat=True)
        )
        fresh = [u for u in users if u.pk not in already]
        Notification.objects.bulk_create([event.notification_for(u) for u in fresh], ignore_conflicts=True)
        rows = {n.recipient_id: n for n in Notification.objects.filter(event_key=event_key, recipient__in=users)}
        # A concurrent identical call may have won some rows; the outbox's own unique key absorbs that.
        messages = _outbox_messages(event, [(u, rows[u.pk]) for u in fresh])
        OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
        if messages:
            transaction.on_commit(enqueue_delivery_after_commit)
    for u in users:
        rows[u.pk].recipient = u  # the caller has the user already: spare a query per row
    return [rows[u.pk] for u in users]


@dataclass(frozen=True)
class _Event:
    kind: str
    title: str
    body: str
    target_type: str
    target_id: str
    url: str
    data: Any
    event_key: str
    at: Any

    def notification_for(self, user: Any) -> Notification:
        return Notification(
            recipient=user,
            kind=self.kind,
            title=self.title,
            body=self.body,
            target_type=self.target_type,
            target_id=self.target_id,
            url=self.url,
            data=self.data,
            event_key=self.event_key,
            created_at=self.at,
        )

    def email_payload(self, user: Any) -> dict[str, Any]:
        link = absolute_url(self.url)
        parts = [
            self.body,
            _("查看详情：%(link)s") % {"link": link} if link else "",
            _("此邮件由共治平台自动发送，请勿直接回复。"),
        ]
        return {
            "to": user.email,
            "subject": _("【共治】%(title)s") % {"title": self.title},
            "body": "\n\n".join(p for p in parts if p),
        }

    def webhook_payload(self, user: Any) -> dict[str, Any]:
        return {
            "event": self.kind,
            "event_key": self.event_key,
            "occurred_at": self.at.isoformat(),
            "recipient": {"id": user.pk},
            "title": self.title,
            "body": self.body,
            "url": absolute_url(self.url),
            "target": {"type": self.target_type, "id": self.target_id} if self.target_type else None,
            "data": self.data,
        }


def absolute_url(url: str) -> str:
    """Links in emails and webhooks must work outside the site: prefix paths with ``SITE_URL`` when set."""
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if not url or not base or not url.startswith("/"):
        return url
    return f"{base}{url}"


def _outbox_messages(event: _Event, pairs: list[tuple[Any, Notification]]) -> list[OutboxMessage]:
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if e.accepts(event.kind)]
    out: list[OutboxMessage] = []
    for user, notification in pairs:
        common = {
            "event_key": event.event_key,
            "kind": event.kind,
            "recipient": user,
            "notification": notification,
            "next_attempt_at": event.at,
            "created_at": event.at,
        }
        if user.email and user.is_active:
            out.append(OutboxMessage(channel=Channel.EMAIL, payload=event.email_payload(user), **common))
        out.extend(
            OutboxMessage(channel=Channel.WEBHOOK, endpoint=endpoint, payload=event.webhook_payload(user), **common)
            for endpoint in endpoints
        )
    return out


# ---- the inbox ------------------------------------------------------------------------------------


def notification_mark_read(*, actor: Any, notification_id: int) -> Notification:
    """Mark one of the actor's own notifications read (someone else's: 404). Marking twice keeps the first time."""
    notification = get_for(Notification.objects.all(), actor, "mark_read", pk=notification_id)
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor: Any) -> int:
    """Mark all of the actor's unread notifications read; returns how many."""
    unread = restrict(Notification.objects.filter(read_at__isnull=True), actor, "mark_read")
    return unread.update(read_at=timezone.now())


# ---- outbox delivery ------------------------------------------------------------------------------


def outbox_deliver_due(*, limit: int = 500) -> dict[str, int]:
    """Send up to ``limit`` due messages, one claim at a time; returns counts by outcome."""
    outcomes: Counter[str] = Counter()
    outbox_recover_stale()
    while sum(outcomes.values()) < limit:
        ids = list(
            OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=timezone.now())
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:DELIVERY_BATCH]
        )
        if not ids:
            break
        for message_id in ids:
            message = _claim(message_id)
            outcomes[_attempt(message) if message is not None else "taken"] += 1
    return dict(outcomes)


def _claim(message_id: int) -> OutboxMessage | None:
    """Take the message if it is still pending and due; None if another worker got it first."""
    now = timezone.now()
    taken = OutboxMessage.objects.filter(pk=message_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not taken:
        return None
    return OutboxMessage.objects.select_related("endpoint").get(pk=message_id)


def _attempt(message: OutboxMessage) -> str:
    try:
        delivery.send(message)
    except delivery.Undeliverable as exc:
        return _finish(message, Status.FAILED, str(exc))
    except delivery.DeliveryError as exc:
        return _finish(message, _retry_or_dead(message), str(exc))
    except Exception as exc:  # a bug in one message's sending must not stop the others
        logger.exception("notify: unexpected error delivering outbox message %s", message.pk)
        return _finish(message, _retry_or_dead(message), repr(exc))
    return _finish(message, Status.SENT, "")


def _retry_or_dead(message: OutboxMessage) -> str:
    return Status.DEAD if message.attempts >= MAX_ATTEMPTS else Status.PENDING


def _finish(message: OutboxMessage, status: str, error: str) -> str:
    """Record the outcome, unless the claim expired meanwhile and the message was put back (then: "lost")."""
    now = timezone.now()
    changes: dict[str, Any] = {"status": status, "last_error": error[:2000]}
    if status == Status.SENT:
        changes["sent_at"] = now
    elif status == Status.PENDING:
        changes["next_attempt_at"] = now + backoff(message.attempts)
    # ``attempts`` identifies this claim: a later claim of the same message has a higher count.
    mine = OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING, attempts=message.attempts)
    if not mine.update(**changes):
        logger.warning("notify: outbox message %s was reclaimed while being sent", message.pk)
        return "lost"
    if status != Status.SENT:
        logger.warning("notify: outbox message %s attempt %s: %s -> %s", message.pk, message.attempts, error, status)
    return str(status)


def outbox_recover_stale() -> int:
    """Put back messages left "sending" by a worker that died; after the last attempt they are dead instead."""
    now = timezone.now()
    stale = OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=now - SENDING_LEASE)
    dead = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.DEAD, last_error=_("发送中断（处理进程退出），且已达最大尝试次数")
    )
    recovered = stale.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=Status.PENDING, next_attempt_at=now, last_error=_("发送中断（处理进程退出），已重新排队")
    )
    if dead or recovered:
        logger.warning("notify: recovered %s abandoned outbox messages (%s dead)", recovered, dead)
    return recovered + dead


@dataclass(frozen=True)
class SweepReport:
    recovered: int
    due: int
    queued: bool


def outbox_sweep() -> SweepReport:
    """Recover abandoned messages and make sure a delivery run is queued for whatever is due or waiting.

    Safe to run at any time and as often as wanted (``gongzhi notify_sweep`` from cron, or at start-up).
    """
    recovered = outbox_recover_stale()
    due = OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=timezone.now()).count()
    queued = enqueue_delivery(at=outbox_next_wakeup(), when_idle=True)
    return SweepReport(recovered=recovered, due=due, queued=queued)
