"""API shapes of orders, shared by the API and the web pages that render the same data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from gongzhi.core.masking import mask_name
from gongzhi.orders.models import Order, OrderEvent
from gongzhi.orders.selectors import contact_for, contact_visible


class OnBehalfIn(Schema):
    name: str = Field("", description="居民姓名（代办时必填）")
    phone: str = Field("", description="居民电话")
    user: int | None = Field(None, description="居民账号编号（如有）")


class OrderIn(Schema):
    category: str = Field(..., description="服务类别代码，见 GET /api/v1/categories")
    # The lengths are checked by the service (the same rule for the web form), which says by how much to cut.
    title: str = Field(..., description="标题，2 到 100 个字")
    description: str = Field(..., description="需求描述，最多 4000 个字")
    community: str = Field(..., description="社区区划代码（12 位），如 330903003005")
    grid: str | None = Field(None, description="网格代码，如 330903003005-001")
    address: str = ""
    preferred_time: str = ""
    urgency: str = Field("normal", description="normal 一般 / urgent 紧急")
    scenario: str | None = Field(None, description="common 共性 / individual 个性 / special 特殊疑难")
    org: int | None = Field(None, description="派单对象（社会组织编号）；省略则进入接单大厅")
    on_behalf_of: OnBehalfIn | None = Field(None, description="代办：为没有智能手机的居民登记")
    channel: str | None = Field(None, description="hotline 热线 / patrol 网格巡查（工作人员登记时）")
    contact_name: str = ""
    contact_phone: str = ""


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None
    accept_days: int
    complete_days: int
    urgent_accept_days: int
    urgent_complete_days: int


class Ref(Schema):
    id: int
    name: str


class AreaRef(Schema):
    code: str
    name: str


class ContactOut(Schema):
    name: str
    phone: str
    address: str


class PhotoOut(Schema):
    id: int
    url: str
    thumb_url: str
    width: int
    height: int


class EventOut(Schema):
    id: int
    action: str
    from_state: str
    to_state: str
    actor: str | None
    org: str | None
    department: str | None
    note: str
    at: datetime


class OrderOut(Schema):
    id: int
    number: str
    state: str
    state_label: str
    channel: str
    scenario: str
    urgency: str
    category: AreaRef
    title: str
    description: str
    community: AreaRef
    area: AreaRef
    contact: ContactOut
    preferred_time: str
    org: Ref | None
    department: Ref | None
    accept_by: datetime | None
    complete_by: datetime | None
    overdue: bool
    created_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    reminder_count: int


class OrderDetailOut(OrderOut):
    completion_note: str
    people_served: int
    volunteers: str
    reply: str
    photos: list[PhotoOut]
    events: list[EventOut]
    actions: list[str]


class RatingOut(Schema):
    id: int
    order: int
    stars: int
    comment: str
    rater_role: str
    created_at: datetime


class LedgerOut(Schema):
    id: int
    order: int
    service_date: str
    place: str
    service: str
    category: str
    people_served: int
    org: str
    volunteers: str
    photos_count: int
    rating: int | None
    community: str


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


def _area(a: Any) -> dict[str, str]:
    return {"code": a.code, "name": a.display_name}


def order_out(user: Any, order: Order) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "state": order.state,
        "state_label": str(order.get_state_display()),
        "channel": order.channel,
        "scenario": order.scenario,
        "urgency": order.urgency,
        "category": {"code": order.category.code, "name": order.category.name},
        "title": order.title,
        "description": order.description,
        "community": _area(order.community),
        "area": _area(order.area),
        "contact": contact_for(user, order),
        "preferred_time": order.preferred_time,
        "org": _ref(order.org),
        "department": _ref(order.department),
        "accept_by": order.accept_by,
        "complete_by": order.complete_by,
        "overdue": bool(getattr(order, "is_overdue", False)),
        "created_at": order.created_at,
        "accepted_at": order.accepted_at,
        "completed_at": order.completed_at,
        "closed_at": order.closed_at,
        "reopen_count": order.reopen_count,
        "reminder_count": order.reminder_count,
    }


def event_out(e: OrderEvent, names: bool = True) -> dict[str, Any]:
    """``names``: whether the viewer may see people's names in full (as the order page decides)."""
    actor = str(e.actor) if e.actor else None
    return {
        "id": e.pk,
        "action": e.action,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "actor": actor if names or actor is None else mask_name(actor),
        "org": str(e.org) if e.org else None,
        "department": str(e.department) if e.department else None,
        "note": e.note,
        "at": e.at,
    }


def order_detail_out(user: Any, order: Order, actions: list[str]) -> dict[str, Any]:
    photos = [
        {
            "id": p.pk,
            "width": p.width,
            "height": p.height,
            "url": reverse("orders:photo", args=[order.pk, p.pk, "full"]),
            "thumb_url": reverse("orders:photo", args=[order.pk, p.pk, "thumb"]),
        }
        for p in order.photos.all()
    ]
    return {
        **order_out(user, order),
        "completion_note": order.completion_note,
        "people_served": order.people_served,
        "volunteers": order.volunteers,
        "reply": order.reply,
        "photos": photos,
        "events": [event_out(e, contact_visible(user, order)) for e in order.events.all()],
        "actions": actions,
    }
