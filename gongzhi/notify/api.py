"""Inbox endpoints: my notifications, newest first; mark one or all read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from gongzhi.notify.models import Notification
from gongzhi.notify.selectors import notifications_for, unread_count
from gongzhi.notify.services import notification_mark_all_read, notification_mark_read

router = Router(tags=["通知 notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    target_type: str
    target_id: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    unread: bool


class UnreadCountOut(Schema):
    unread: int


class ReadAllOut(Schema):
    marked: int
    unread: int


@router.get("", response=list[NotificationOut], summary="我的通知（最新在前；unread=true 只看未读）")
@paginate(PageNumberPagination, page_size=20, max_page_size=100)
def list_notifications(request: HttpRequest, unread: bool | None = None) -> QuerySet[Notification]:
    return notifications_for(request.user, unread=unread)


@router.get("/unread-count", response=UnreadCountOut, summary="未读通知数")
def get_unread_count(request: HttpRequest) -> dict[str, int]:
    return {"unread": unread_count(request.user)}


@router.post("/read-all", response=ReadAllOut, summary="全部标为已读")
def read_all(request: HttpRequest) -> dict[str, int]:
    marked = notification_mark_all_read(actor=request.user)
    return {"marked": marked, "unread": unread_count(request.user)}


@router.post("/{int:notification_id}/read", response=NotificationOut, summary="标为已读")
def read_one(request: HttpRequest, notification_id: int) -> Notification:
    return notification_mark_read(actor=request.user, notification_id=notification_id)
