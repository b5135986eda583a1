"""Small helpers shared by the organization pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from gongzhi.accounts.permissions import grants_for
from gongzhi.core.errors import ApplicationError, NotFound, ValidationFailed


def page_of(request: HttpRequest, qs: Any, per_page: int = 20) -> Page:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def int_or_none(value: str | None, *, low: int, high: int) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if low <= number <= high else None


def require_roles(request: HttpRequest, *roles: str) -> None:
    """Pages for some roles only: others get 404, like any object they may not see."""
    grants = grants_for(request.user)
    if not (grants.is_admin or grants.has_role(*roles)):
        raise NotFound()


def querystring(request: HttpRequest, **drop: Any) -> str:
    """The current filters without ``page`` (for pagination links)."""
    params = request.GET.copy()
    for key in ("page", *drop):
        params.pop(key, None)
    return params.urlencode()


def flash_error(request: HttpRequest, exc: ApplicationError) -> None:
    """A refused action on a page that redirects: its messages go to the next page."""
    if isinstance(exc, ValidationFailed):
        for msgs in exc.errors.values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.error(request, str(exc.message))
