"""``Idempotency-Key`` for API writes: a retried POST returns the first result instead of acting twice.

The record is written in the same transaction as the action, so either both exist or neither; two
concurrent requests with one key collide on the unique constraint and the loser answers with the
winner's stored result. The record keeps a fingerprint of what was asked: the same key sent again with a
different body (a 5-star rating "retried" as 1 star) is refused with 422 instead of answering the first result.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
FORM_FIELD = "form_key"  # the hidden field of a web form that carries its one-time key


def new_form_key() -> str:
    """A one-time key for a web form or button, made when the page is shown."""
    return uuid.uuid4().hex


def run_idempotent(
    request: HttpRequest,
    action: Callable[[], tuple[int, Any]],
    serialize: Callable[[Any], Any],
    *,
    form_key: str | None = None,
) -> tuple[int, Any]:
    """Run ``action`` (returning status and result) once per (user, key); ``serialize`` makes it JSON.

    The key is the request's ``Idempotency-Key`` header; for a web form, ``form_key``, the one-time key the
    form carried (a form without one runs every time, as a request without the header does)."""
    if form_key is None:
        key = request.headers.get(HEADER, "").strip()
    else:
        key = f"form:{form_key.strip()}" if form_key.strip() else ""
    if not key:
        status, result = action()
        return status, serialize(result)
    if len(key) > 100:
        raise ValidationFailed({HEADER: [_("幂等键最长 100 个字符")]})
    user = request.user
    fingerprint = request_fingerprint(request)
    previous = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if previous is not None:
        return _replay(previous, request, fingerprint)
    try:
        with transaction.atomic():
            status, result = action()
            body = serialize(result)
            IdempotencyRecord.objects.create(
                user=user,
                key=key,
                method=request.method or "",
                path=request.path,
                fingerprint=fingerprint,
                status=status,
                body=body,
            )
    except IntegrityError:
        previous = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if previous is None:
            raise
        return _replay(previous, request, fingerprint)
    return status, body


def request_fingerprint(request: HttpRequest) -> str:
    """SHA-256 of what the request asks for: the JSON body in a canonical form, or the form fields and the
    files' contents (not the multipart boundary, which a client may choose anew when it retries)."""
    digest = hashlib.sha256()
    if request.content_type == "application/json":
        try:
            digest.update(json.dumps(json.loads(request.body or b"null"), sort_keys=True).encode())
        except ValueError:
            digest.update(request.body)
        return digest.hexdigest()
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, values in sorted(request.POST.lists()):
            if name != "form_key":
                digest.update(json.dumps([name, values]).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                part = hashlib.sha256()
                for chunk in upload.chunks():
                    part.update(chunk)
                upload.seek(0)
                digest.update(json.dumps([name, part.hexdigest()]).encode())
        return digest.hexdigest()
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, request: HttpRequest, fingerprint: str) -> tuple[int, Any]:
    if record.path != request.path or record.method != request.method:
        raise Conflict(
            _("该幂等键已用于另一个请求（%(method)s %(path)s），请换一个新的键")
            % {"method": record.method, "path": record.path}
        )
    if record.fingerprint and record.fingerprint != fingerprint:
        raise ValidationFailed({HEADER: [_("该幂等键已用于内容不同的请求：重试时请原样重发，新的请求请换一个新的键")]})
    return record.status, record.body
