"""Notifications: the in-app inbox, the webhook subscriptions, and the outbox that delivers both.

A notification is written for each recipient in the caller's transaction, together with one
outbox message per recipient and channel (email, each subscribed webhook). The task worker sends
outbox messages after commit, so nothing is sent for work that was rolled back and nothing is lost
when the process dies between commit and delivery.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KIND_MAX = 80
TITLE_MAX = 200
URL_MAX = 500
EVENT_KEY_MAX = 200


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=KIND_MAX)
    title = models.CharField(_("标题"), max_length=TITLE_MAX)
    body = models.TextField(_("内容"), blank=True)
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    # A path inside the site ("/orders/5/") or a full address: not a URLField, which rejects paths.
    url = models.CharField(_("链接"), max_length=URL_MAX, blank=True)
    data = models.JSONField(_("附加数据"), default=dict, blank=True)
    event_key = models.CharField(_("事件键"), max_length=EVENT_KEY_MAX)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_key", "recipient"], name="notify_unique_event_recipient"),
        ]
        indexes = [
            models.Index(F("recipient"), F("created_at").desc(), name="notify_inbox"),
            models.Index(fields=["recipient", "read_at"], name="notify_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def unread(self) -> bool:
        return self.read_at is None


class WebhookEndpoint(models.Model):
    """An integration that subscribes to events; ``kinds`` are prefixes such as ``orders.`` (empty: all)."""

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("接收地址"), max_length=500)
    # Kept in clear: it is the HMAC key, needed on every send. The admin never shows it back.
    secret = models.CharField(_("签名密钥"), max_length=200)
    kinds = models.JSONField(
        _("订阅的事件类型"), default=list, blank=True, help_text=_("事件类型前缀，如 orders.；留空表示订阅全部事件")
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 接收端")
        verbose_name_plural = _("Webhook 接收端")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def accepts(self, kind: str) -> bool:
        if not self.kinds:
            return True
        for prefix in self.kinds:
            prefix = str(prefix).strip().rstrip(".")
            # Whole segments only: "orders" takes "orders.completed" but not "ordersx.completed".
            if prefix in ("*", kind) or kind.startswith(f"{prefix}."):
                return True
        return False


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("Webhook")


class Status(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败（不再重试）")  # nothing to send to: endpoint removed or disabled, no address
    DEAD = "dead", _("多次重试失败")


# The retry schedule: after the n-th failed attempt wait BACKOFF[n-1]; after MAX_ATTEMPTS give up (dead).
MAX_ATTEMPTS = 8
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 25, 125, 360, 360, 360))
# A message "sending" for longer than this was abandoned by a worker that died mid-send.
SENDING_LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


class OutboxMessage(models.Model):
    """One delivery of one event to one recipient over one channel; its id is the delivery id receivers dedupe on."""

    event_key = models.CharField(_("事件键"), max_length=EVENT_KEY_MAX)
    kind = models.CharField(_("类型"), max_length=KIND_MAX)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="+"
    )
    notification = models.ForeignKey(
        Notification, verbose_name=_("站内消息"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    # Deleting an endpoint deletes its delivery log; deactivate it instead to keep the log.
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("Webhook 接收端"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    payload = models.JSONField(_("内容"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    claimed_at = models.DateTimeField(_("开始发送"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Coalesce: the email channel has no endpoint, and NULLs would never collide in a unique index.
            models.UniqueConstraint(
                F("event_key"),
                F("recipient"),
                F("channel"),
                Coalesce("endpoint", Value(0)),
                name="notify_outbox_dedupe",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_outbox_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} {self.event_key}"
