"""The transports: send one outbox message by email or to a webhook, or say why it could not be sent.

Nothing here touches the outbox's state; :mod:`gongzhi.notify.services` claims a message, calls
:func:`send` outside any transaction (network time must not hold database locks) and records the
outcome.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from gongzhi.notify.models import Channel, OutboxMessage

WEBHOOK_TIMEOUT_SECONDS = 10
USER_AGENT = "gongzhi-webhook/1"


class DeliveryError(Exception):
    """The attempt failed and may succeed later: the message is retried with backoff."""


class Undeliverable(Exception):
    """There is nothing to deliver to (endpoint removed or disabled, no address): retrying cannot help."""


def sign(secret: str, body: bytes) -> str:
    """The value of ``X-Gongzhi-Signature``; receivers compute the same over the raw body and compare."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_body(message: OutboxMessage) -> bytes:
    # The delivery id goes into the signed body too, so a receiver that logs bodies can dedupe on it.
    document = {"delivery": message.pk, **message.payload}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a GET without the body and report the GET's 200 as success.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def send_webhook(message: OutboxMessage) -> None:
    endpoint = message.endpoint
    if endpoint is None or not endpoint.active:
        raise Undeliverable(_("Webhook 接收端已删除或已停用"))
    if not endpoint.url.lower().startswith(("http://", "https://")):
        # urllib would also open file: and ftp: addresses; a row saved around the form must not make it.
        raise Undeliverable(_("Webhook 接收地址必须以 http:// 或 https:// 开头"))
    body = webhook_body(message)
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked just above
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Gongzhi-Event": message.kind,
            "X-Gongzhi-Delivery": str(message.pk),
            "X-Gongzhi-Signature": sign(endpoint.secret, body),
        },
    )
    try:
        with _opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")


def _message_id(message: OutboxMessage) -> str:
    # The same Message-ID on every attempt lets mail software drop a duplicate after a crash-retry.
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "gongzhi.localhost"
    return f"<outbox.{message.pk}@{domain}>"


def send_email(message: OutboxMessage) -> None:
    to = message.payload.get("to") or ""
    if not to:
        raise Undeliverable(_("没有收件地址"))
    email = EmailMessage(
        subject=message.payload.get("subject", ""),
        body=message.payload.get("body", ""),
        to=[to],
        headers={"Message-ID": _message_id(message), "X-Gongzhi-Delivery": str(message.pk)},
    )
    try:
        email.send()
    except Exception as exc:  # SMTP, socket and backend errors alike: all worth another try
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


SENDERS: dict[str, Callable[[OutboxMessage], None]] = {Channel.EMAIL: send_email, Channel.WEBHOOK: send_webhook}


def send(message: OutboxMessage) -> None:
    """Deliver ``message``; raises :class:`DeliveryError` (retry) or :class:`Undeliverable` (give up)."""
    sender = SENDERS.get(message.channel)
    if sender is None:
        raise Undeliverable(_("未知渠道：%(channel)s") % {"channel": message.channel})
    sender(message)
