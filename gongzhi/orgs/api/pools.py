"""Talent pool and resource pool endpoints, with the booking calendar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from gongzhi.accounts.permissions import get_for
from gongzhi.core.dates import Day
from gongzhi.orgs import selectors as sel
from gongzhi.orgs import services as svc
from gongzhi.orgs.api import schemas as s
from gongzhi.orgs.models import Booking, Department, Organization, Resource, Skill, Talent

talents_router = Router(tags=["人才库 talents"])
resources_router = Router(tags=["资源库 resources"])


def _visible_org(request: HttpRequest, org_id: int | None) -> Organization | None:
    return get_for(Organization.objects.all(), request.user, "view", pk=org_id) if org_id else None


# ---- talents ------------------------------------------------------------------------------------------


@talents_router.get("/skills", response=list[s.SkillOut], summary="技能目录")
def skills(request: HttpRequest) -> list[dict[str, str]]:
    return [{"code": code, "label": str(label)} for code, label in Skill.choices]


@talents_router.get("", response=list[s.TalentOut], summary="搜索人才（姓名电话脱敏）")
def talents(
    request: HttpRequest,
    skill: str = "",
    area: str = "",
    q: str = "",
    kind: str = "",
    available: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    qs = sel.talent_search(request.user, skill=skill, area_code=area, q=q, kind=kind, available_only=available)
    limit = max(1, min(limit, 100))
    return [s.talent_out(t) for t in qs[max(0, offset) : max(0, offset) + limit]]


@talents_router.post("", response={201: s.TalentOut}, summary="录入人才")
def create_talent(request: HttpRequest, payload: s.TalentIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    data["area"] = s.area_from_code(data["area"], field="area")
    data["organization"] = _visible_org(request, data["organization"])
    return Status(201, s.talent_out(svc.talent_create(actor=request.user, **data)))


@talents_router.get("/{int:talent_id}", response=s.TalentOut, summary="人才详情（脱敏）")
def talent(request: HttpRequest, talent_id: int) -> dict[str, Any]:
    return s.talent_out(
        get_for(Talent.objects.select_related("area", "organization"), request.user, "view", pk=talent_id)
    )


@talents_router.patch("/{int:talent_id}", response=s.TalentOut, summary="修改人才信息")
def update_talent(request: HttpRequest, talent_id: int, payload: s.TalentPatchIn) -> dict[str, Any]:
    current = get_for(Talent.objects.all(), request.user, "change", pk=talent_id)
    data = payload.dict(exclude_unset=True)
    if "area" in data:
        data["area"] = s.area_from_code(data["area"], field="area")
    return s.talent_out(svc.talent_update(actor=request.user, talent=current, **data))


@talents_router.post("/{int:talent_id}/reveal", response=s.RevealOut, summary="查看完整姓名和电话（记录审计）")
def reveal_talent(request: HttpRequest, talent_id: int) -> dict[str, str]:
    current = get_for(Talent.objects.all(), request.user, "reveal", pk=talent_id)
    return svc.talent_reveal(actor=request.user, talent=current)


# ---- resources and bookings ---------------------------------------------------------------------------


@resources_router.get("", response=list[s.ResourceOut], summary="搜索共享资源")
def resources(
    request: HttpRequest, kind: str = "", area: str = "", q: str = "", limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    qs = sel.resource_search(request.user, kind=kind, area_code=area, q=q)
    limit = max(1, min(limit, 100))
    return [s.resource_out(r) for r in qs[max(0, offset) : max(0, offset) + limit]]


@resources_router.post("", response={201: s.ResourceOut}, summary="登记共享资源")
def create_resource(request: HttpRequest, payload: s.ResourceIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    data["area"] = s.area_from_code(data["area"], field="area")
    data["owner_org"] = _visible_org(request, data["owner_org"])
    if data["owner_department"]:
        data["owner_department"] = get_for(Department.objects.all(), request.user, "view", pk=data["owner_department"])
    return Status(201, s.resource_out(svc.resource_create(actor=request.user, **data)))


@resources_router.get("/{int:resource_id}", response=s.ResourceOut, summary="资源详情")
def resource(request: HttpRequest, resource_id: int) -> dict[str, Any]:
    return s.resource_out(get_for(Resource.objects.select_related("area"), request.user, "view", pk=resource_id))


@resources_router.post("/{int:resource_id}/active", response=s.ResourceOut, summary="开放或暂停预约（提供方）")
def set_active(request: HttpRequest, resource_id: int, payload: s.ActiveIn) -> dict[str, Any]:
    current = get_for(Resource.objects.all(), request.user, "manage", pk=resource_id)
    return s.resource_out(svc.resource_set_active(actor=request.user, resource=current, active=payload.active))


@resources_router.get("/{int:resource_id}/calendar", response=s.CalendarOut, summary="一周预约日历（半小时为单位）")
def calendar(request: HttpRequest, resource_id: int, week: Day | None = None) -> dict[str, Any]:
    current = get_for(Resource.objects.all(), request.user, "view", pk=resource_id)
    data = sel.resource_week(request.user, current, sel.week_start(week or timezone.localdate()))
    return {
        "resource": current.pk,
        "monday": data["monday"],
        "slots": [{"start": cell["at"], "state": cell["state"]} for row in data["rows"] for cell in row["cells"]],
    }


@resources_router.post("/{int:resource_id}/bookings", response={201: s.BookingOut}, summary="预约（待提供方审批）")
def book(request: HttpRequest, resource_id: int, payload: s.BookingIn) -> Status[dict[str, Any]]:
    current = get_for(Resource.objects.all(), request.user, "view", pk=resource_id)
    org = _visible_org(request, payload.requester_org)
    booking = svc.booking_request(
        actor=request.user,
        resource=current,
        start=payload.start,
        end=payload.end,
        purpose=payload.purpose,
        requester_org=org,
    )
    return Status(201, s.booking_out(booking))


@resources_router.get("/bookings/mine", response=list[s.BookingOut], summary="我的预约")
def my_bookings(request: HttpRequest) -> list[dict[str, Any]]:
    return [s.booking_out(b) for b in sel.bookings_mine(request.user)[:200]]


@resources_router.get("/bookings/to-decide", response=list[s.BookingOut], summary="待我审批的预约")
def to_decide(request: HttpRequest) -> list[dict[str, Any]]:
    return [s.booking_out(b) for b in sel.bookings_to_decide(request.user)[:200]]


def _booking(request: HttpRequest, booking_id: int, action: str) -> Booking:
    return get_for(Booking.objects.select_related("resource"), request.user, action, pk=booking_id)


@resources_router.post("/bookings/{int:booking_id}/approve", response=s.BookingOut, summary="同意预约")
def approve(request: HttpRequest, booking_id: int, payload: s.NoteIn) -> dict[str, Any]:
    return s.booking_out(
        svc.booking_approve(actor=request.user, booking=_booking(request, booking_id, "decide"), note=payload.note)
    )


@resources_router.post("/bookings/{int:booking_id}/reject", response=s.BookingOut, summary="拒绝预约（须写明原因）")
def reject(request: HttpRequest, booking_id: int, payload: s.NoteIn) -> dict[str, Any]:
    return s.booking_out(
        svc.booking_reject(actor=request.user, booking=_booking(request, booking_id, "decide"), note=payload.note)
    )


@resources_router.post("/bookings/{int:booking_id}/cancel", response=s.BookingOut, summary="取消我的预约")
def cancel(request: HttpRequest, booking_id: int) -> dict[str, Any]:
    return s.booking_out(svc.booking_cancel(actor=request.user, booking=_booking(request, booking_id, "cancel")))
