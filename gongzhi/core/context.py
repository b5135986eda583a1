"""The client address of the request being served, for audit entries written deep in services.

Set by :class:`gongzhi.core.middleware.RequestContextMiddleware`; commands and tasks leave it empty.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

current_ip: ContextVar[str | None] = ContextVar("gongzhi_current_ip", default=None)


def client_ip(request: HttpRequest) -> str | None:
    header = settings.CLIENT_IP_HEADER
    if header:
        # The proxy the operator trusts appends the real address last.
        forwarded = request.META.get(header, "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None
