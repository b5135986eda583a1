"""The inbox page: my notifications, unread in bold; open one (marks it read), mark one or all read via HTMX."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gongzhi.core.htmx import is_htmx
from gongzhi.notify.selectors import notification_of, notifications_for, unread_count
from gongzhi.notify.services import notification_mark_all_read, notification_mark_read

PAGE_SIZE = 20
# HTMX event sent after a read mark, so a header badge listening on it can refresh itself.
READ_EVENT = "notify-read"


def _safe(request: HttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _inbox_context(request: HttpRequest) -> dict[str, Any]:
    only_unread = request.GET.get("show") == "unread"
    page = Paginator(notifications_for(request.user, unread=True if only_unread else None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = "&".join(
        p for p in ("show=unread" if only_unread else "", f"page={page.number}" if page.number > 1 else "") if p
    )
    here = reverse("notify:inbox") + (f"?{query}" if query else "")
    return {"page": page, "only_unread": only_unread, "unread": unread_count(request.user), "here": here}


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    return redirect(target if _safe(request, target) else "notify:inbox")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    template = "notify/_inbox.html" if is_htmx(request) else "notify/inbox.html"
    return render(request, template, _inbox_context(request))


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = notification_mark_read(actor=request.user, notification_id=notification_id)
    if not is_htmx(request):
        return _back(request)
    here = request.POST.get("next", "")
    context = {"n": notification, "unread": unread_count(request.user), "here": here if _safe(request, here) else ""}
    response = render(request, "notify/_read.html", context)
    response["HX-Trigger"] = READ_EVENT
    return response


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    notification_mark_all_read(actor=request.user)
    if not is_htmx(request):
        return _back(request)
    response = render(request, "notify/_inbox.html", _inbox_context(request))
    response["HX-Trigger"] = READ_EVENT
    return response


@login_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link in one tap; an off-site or unsafe link goes back to the inbox.

    The inbox's links post here, which marks the notification read. A GET (a bookmarked or forwarded link, a
    browser prefetching) follows the link without changing anything: a GET never changes state."""
    if request.method == "POST":
        notification = notification_mark_read(actor=request.user, notification_id=notification_id)
    else:
        notification = notification_of(request.user, notification_id)
    return redirect(notification.url if _safe(request, notification.url) else "notify:inbox")


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count as a fragment for the page header (``hx-get`` on load and on the read event)."""
    return render(request, "notify/_badge.html", {"unread": unread_count(request.user)})
