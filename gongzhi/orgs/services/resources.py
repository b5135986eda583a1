"""The resource pool (资源库): shared venues, equipment and funds, and bookings of them.

A booking holds every half hour it covers as a ``BookingSlot`` row, unique per resource and
start, from the request until it is rejected or cancelled. Two overlapping bookings would need
the same row twice, which the database refuses — on SQLite and PostgreSQL alike, under any
concurrency. The owner (see ``Resource``) approves or rejects; an owner's own booking is approved
at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import can, get_for, grants_for
from gongzhi.areas.models import Area
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import Conflict, IllegalState, PermissionDenied, ValidationFailed
from gongzhi.orgs.models import (
    HOLDING_STATUSES,
    Booking,
    BookingSlot,
    BookingStatus,
    Department,
    Organization,
    Resource,
    ResourceKind,
)
from gongzhi.orgs.services import _common as c

SLOT = timedelta(minutes=30)
MAX_LENGTH = timedelta(days=7)
MAX_AHEAD = timedelta(days=180)
OWNER_ROLES = (Role.ORG_ADMIN, Role.DEPT_STAFF, Role.COMMUNITY_WORKER, Role.STREET_STAFF)


def _may_own(actor: Any, *, area: Area, org: Organization | None, department: Department | None) -> bool:
    grants = grants_for(actor)
    if grants.is_admin:
        return True
    if org is not None:
        return org.pk in grants.organization_ids(Role.ORG_ADMIN)
    if department is not None:
        return department.pk in grants.department_ids()
    return grants.covers_area(area, Role.COMMUNITY_WORKER, Role.STREET_STAFF)


def resource_create(
    *,
    actor: Any,
    kind: str,
    name: str,
    area: Area,
    owner_org: Organization | None = None,
    owner_department: Department | None = None,
    unit_name: str = "",
    description: str = "",
    address: str = "",
    capacity: Any = None,
    amount: Any = None,
) -> Resource:
    """Offer a resource: for one's organization, department, or (community staff) the community or a unit."""
    c.require_role(actor, *OWNER_ROLES)
    errors: dict[str, list[str]] = {}
    if kind not in ResourceKind.values:
        errors["kind"] = [_("请选择类别：场地、设备或资金")]
    name = c.text(name, field="name", label=_("名称"), max_length=100, required=True, errors=errors)
    if not isinstance(area, Area):
        errors["area"] = [_("请选择资源所在的社区或街道")]
    if owner_org is not None and owner_department is not None:
        errors["owner_org"] = [_("提供方只能是一个组织或一个部门")]
    unit_name = c.text(unit_name, field="unit_name", label=_("提供单位"), max_length=100, errors=errors)
    description = c.text(description, field="description", label=_("说明"), max_length=4000, errors=errors)
    address = c.text(address, field="address", label=_("地址"), max_length=200, errors=errors)
    capacity = c.count(capacity, field="capacity", label=_("容纳人数/数量"), errors=errors)
    amount = c.money(amount, field="amount", label=_("资金额度"), errors=errors)
    if kind == ResourceKind.FUND and amount is None:
        errors.setdefault("amount", []).append(_("资金类资源请填写额度"))
    c.raise_if(errors)
    if not _may_own(actor, area=area, org=owner_org, department=owner_department):
        raise PermissionDenied(_("只能为本组织、本部门或本社区登记资源"))
    with transaction.atomic():
        resource = Resource.objects.create(
            kind=kind,
            name=name,
            area=area,
            owner_org=owner_org,
            owner_department=owner_department,
            unit_name=unit_name,
            description=description,
            address=address,
            capacity=capacity,
            amount=amount,
            created_by=actor,
        )
        audit_record(
            actor=actor, action="orgs.resource.created", target=resource, data={"kind": kind, "area": area.code}
        )
    return resource


def resource_set_active(*, actor: Any, resource: Resource, active: bool) -> Resource:
    with transaction.atomic():
        current = c.locked(Resource, actor, "manage", resource.pk)
        current.active = bool(active)
        current.save(update_fields=["active"])
        audit_record(actor=actor, action="orgs.resource.updated", target=current, data={"active": current.active})
    return current


# ---- bookings ------------------------------------------------------------------------------------


def slot_starts(start: datetime, end: datetime) -> list[datetime]:
    out, at = [], start
    while at < end:
        out.append(at)
        at += SLOT
    return out


def _aligned(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    return local.minute in (0, 30) and local.second == 0 and local.microsecond == 0


def _clean_period(start: Any, end: Any) -> tuple[datetime, datetime]:
    errors: dict[str, list[str]] = {}
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise ValidationFailed({"start": [_("请填写开始和结束时间")]})
    if timezone.is_naive(start) or timezone.is_naive(end):
        start, end = timezone.make_aware(start), timezone.make_aware(end)
    if not (_aligned(start) and _aligned(end)):
        errors["start"] = [_("预约以半小时为单位，开始和结束时间须为整点或半点，如 09:00、14:30")]
    elif end <= start:
        errors["end"] = [_("结束时间应晚于开始时间")]
    elif end - start > MAX_LENGTH:
        errors["end"] = [_("一次预约最长 7 天，更长的使用请分次预约")]
    now = timezone.now()
    if start < now:
        errors.setdefault("start", []).append(_("不能预约已经过去的时间"))
    elif start > now + MAX_AHEAD:
        errors.setdefault("start", []).append(_("最多可提前 180 天预约"))
    c.raise_if(errors)
    return start, end


def _first_clash(resource: Resource, start: datetime, end: datetime) -> Booking | None:
    slot = BookingSlot.objects.filter(resource=resource, start__gte=start, start__lt=end).select_related("booking")
    first = slot.order_by("start").first()
    return first.booking if first else None


def _clash_message(booking: Booking) -> str:
    start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
    return _("该时段已被预约（%(start)s–%(end)s，%(state)s），请换一个时段") % {
        "start": start.strftime("%m-%d %H:%M"),
        "end": end.strftime("%m-%d %H:%M" if end.date() != start.date() else "%H:%M"),
        "state": booking.get_status_display(),
    }


def booking_request(
    *, actor: Any, resource: Resource, start: Any, end: Any, purpose: str, requester_org: Organization | None = None
) -> Booking:
    """Ask to use a venue or piece of equipment for a period; the slots are held at once."""
    errors: dict[str, list[str]] = {}
    purpose = c.text(purpose, field="purpose", label=_("用途"), max_length=200, required=True, errors=errors)
    c.raise_if(errors)
    start, end = _clean_period(start, end)
    if requester_org is not None and requester_org.pk not in grants_for(actor).organization_ids():
        raise ValidationFailed({"requester_org": [_("只能以您所在的组织名义预约")]})
    with transaction.atomic():
        current = get_for(Resource.objects.all(), actor, "view", pk=resource.pk)
        if not current.bookable:
            raise ValidationFailed({"resource": [_("资金类资源不能按时段预约，请联系提供方申请")]})
        if not current.active:
            raise Conflict(_("“%(name)s”暂停预约") % {"name": current.name})
        clash = _first_clash(current, start, end)
        if clash is not None:
            raise Conflict(_clash_message(clash))
        owner = can(actor, "manage", current)
        booking = Booking.objects.create(
            resource=current,
            requester=actor,
            requester_org=requester_org,
            start=start,
            end=end,
            purpose=purpose,
            status=BookingStatus.APPROVED if owner else BookingStatus.PENDING,
            decided_by=actor if owner else None,
            decided_at=timezone.now() if owner else None,
        )
        try:
            with transaction.atomic():
                BookingSlot.objects.bulk_create(
                    [BookingSlot(resource=current, booking=booking, start=s) for s in slot_starts(start, end)]
                )
        except IntegrityError:
            # Another request took a slot between our check and our insert: the constraint decided.
            raise Conflict(_("该时段刚刚被他人预约，请换一个时段")) from None
        audit_record(
            actor=actor,
            action="orgs.booking.requested",
            target=booking,
            data={"resource": current.pk, "start": start, "end": end, "status": booking.status},
        )
    return booking


def _decide(
    *,
    actor: Any,
    booking: Booking,
    action: str,
    allowed: tuple[str, ...],
    to: str,
    verb: str,
    doing: Any,
    note: str = "",
    note_required: bool = False,
) -> Booking:
    errors: dict[str, list[str]] = {}
    note = c.text(note, field="note", label=_("说明"), max_length=500, required=note_required, errors=errors)
    with transaction.atomic():
        current = c.locked(Booking, actor, action, booking.pk)
        c.raise_if(errors)
        if current.status not in allowed:
            raise IllegalState(
                _("该预约当前状态为“%(state)s”，不能%(doing)s")
                % {"state": current.get_status_display(), "doing": doing},
                state=current.status,
                state_label=current.get_status_display(),
            )
        from_status = current.status
        current.status = to
        current.note = note or current.note
        if action == "decide":
            current.decided_by, current.decided_at = actor, timezone.now()
        current.save()
        if to not in HOLDING_STATUSES:
            current.slots.all().delete()  # the time is free again
        audit_record(
            actor=actor,
            action=f"orgs.booking.{verb}",
            target=current,
            data={"from": from_status, "to": to, "note": note},
        )
        c.tell(
            [current.requester],
            actor=actor,
            kind=f"orgs.booking.{verb}",
            title=_("您预约的“%(r)s”（%(t)s）%(what)s")
            % {
                "r": current.resource.name,
                "t": timezone.localtime(current.start).strftime("%m-%d %H:%M"),
                "what": current.get_status_display(),
            },
            body=note,
            target=current,
            url=f"/resources/{current.resource_id}/",
            key=f"booking:{current.pk}:{verb}:{timezone.now().timestamp()}",
        )
    return current


def booking_approve(*, actor: Any, booking: Booking, note: str = "") -> Booking:
    return _decide(
        actor=actor,
        booking=booking,
        action="decide",
        allowed=(BookingStatus.PENDING,),
        to=BookingStatus.APPROVED,
        verb="approved",
        doing=_("同意"),
        note=note,
    )


def booking_reject(*, actor: Any, booking: Booking, note: str) -> Booking:
    """Refuse a request, or withdraw an approval (the requester is told why)."""
    return _decide(
        actor=actor,
        booking=booking,
        action="decide",
        allowed=HOLDING_STATUSES,
        to=BookingStatus.REJECTED,
        verb="rejected",
        doing=_("拒绝"),
        note=note,
        note_required=True,
    )


def booking_cancel(*, actor: Any, booking: Booking) -> Booking:
    current = get_for(Booking.objects.all(), actor, "cancel", pk=booking.pk)
    if current.end <= timezone.now():
        raise IllegalState(
            _("预约时段已结束，不能取消"), state=current.status, state_label=current.get_status_display()
        )
    return _decide(
        actor=actor,
        booking=current,
        action="cancel",
        allowed=HOLDING_STATUSES,
        to=BookingStatus.CANCELLED,
        verb="cancelled",
        doing=_("取消"),
    )
