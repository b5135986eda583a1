"""Reads: a user's inbox and unread count (through the permission chokepoint), and the outbox's next due time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Min, QuerySet

from gongzhi.accounts.permissions import get_for, restrict
from gongzhi.notify.models import SENDING_LEASE, Notification, OutboxMessage, Status


def notifications_for(user: Any, *, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's own notifications, newest first; ``unread`` True/False keeps only unread/read ones."""
    qs = restrict(Notification.objects.all(), user, "view")
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    return qs.order_by("-created_at", "-id")


def notification_of(user: Any, notification_id: int) -> Notification:
    """One of the user's own notifications (someone else's: 404)."""
    return get_for(Notification.objects.all(), user, "view", pk=notification_id)


def unread_count(user: Any) -> int:
    """For the page header's badge; 0 for anonymous visitors."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return notifications_for(user, unread=True).count()


def outbox_next_wakeup() -> datetime | None:
    """When delivery next has something to do: a retry falls due, or a "sending" lease runs out."""
    pending = OutboxMessage.objects.filter(status=Status.PENDING).aggregate(at=Min("next_attempt_at"))["at"]
    claimed = OutboxMessage.objects.filter(status=Status.SENDING).aggregate(at=Min("claimed_at"))["at"]
    times = [t for t in (pending, claimed + SENDING_LEASE if claimed else None) if t is not None]
    return min(times) if times else None
