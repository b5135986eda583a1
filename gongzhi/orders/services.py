"""Writes for service orders: creation through every channel, and one function per transition.

Each transition: find the order through the permission chokepoint (404 for outsiders), lock its row,
check who the actor is to it (403) and the state (409 with the current state), change it, write exactly
one ``OrderEvent``, an audit entry and the notifications, all in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role, User
from gongzhi.accounts.permissions import get_for, grants_for
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import Conflict, IllegalState, NotFound, PermissionDenied, RateLimited, ValidationFailed
from gongzhi.core.events import publish
from gongzhi.core.masking import mask_free_text
from gongzhi.core.uploads import StoredPhoto, photos_discard, photos_store
from gongzhi.notify.services import notify
from gongzhi.orders import rules
from gongzhi.orders.events import OrderTransitioned
from gongzhi.orders.models import (
    Category,
    Channel,
    LedgerEntry,
    Order,
    OrderEvent,
    OrderPhoto,
    RaterRole,
    Rating,
    ResponsibilityRule,
    Scenario,
    State,
    Urgency,
)
from gongzhi.orders.transitions import MACHINE
from gongzhi.orgs.models import Department, Organization, OrgStatus
from gongzhi.workdays.selectors import CalendarYearMissing, add_working_days

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{3,8})$")
ACTIVE_ORG_STATES = (OrgStatus.ACTIVE, OrgStatus.REGISTERED, OrgStatus.FILED)


# ---- helpers -----------------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def deadline(start: datetime, days: int) -> datetime | None:
    """A deadline in working days; None (and a loud banner for operators) when the calendar lacks the year.

    A resident's need is never refused because the holiday schedule of next year was not entered yet.
    """
    try:
        return add_working_days(start, days)
    except CalendarYearMissing:
        return None


def accept_days(order: Order) -> int:
    c = order.category
    return c.urgent_accept_days if order.urgency == Urgency.URGENT else c.accept_days


def complete_days(order: Order) -> int:
    c = order.category
    return c.urgent_complete_days if order.urgency == Urgency.URGENT else c.complete_days


def _visible(actor: Any, order_id: int, action: str = "view") -> Order:
    """The order if the actor may see it (else 404), then locked for the rest of the transaction."""
    get_for(Order.objects.all(), actor, action, pk=order_id)
    # Lock first, then read in a new statement: a statement that waited for the lock re-reads the order's
    # row but keeps the organization and department it had joined before the wait (PostgreSQL), so the
    # loser of a race would see the new org_id with the old, empty org.
    list(Order.objects.select_for_update().filter(pk=order_id).values_list("pk", flat=True))
    return Order.objects.select_related("category", "area", "org", "department").get(pk=order_id)


def _text(value: str | None, field: str, label: str, *, min_len: int = 1, max_len: int = 2000) -> str:
    value = (value or "").strip()
    if len(value) < min_len:
        raise ValidationFailed(
            {
                field: [
                    _("请填写%(label)s") % {"label": label}
                    if not value
                    else _("%(label)s至少 %(n)s 个字") % {"label": label, "n": min_len}
                ]
            }
        )
    if len(value) > max_len:
        raise ValidationFailed(
            {
                field: [
                    _("%(label)s最多 %(n)s 个字，现在 %(len)s 个字，请删去 %(over)s 个字")
                    % {"label": label, "n": max_len, "len": len(value), "over": len(value) - max_len}
                ]
            }
        )
    # "🙏🙏🙏" or "。。。" says nothing a worker could act on: ask for words (letters, digits or Chinese).
    if sum(ch.isalnum() for ch in value) < min(min_len, 2):
        raise ValidationFailed({field: [_("%(label)s请用文字说明（不能只有表情或符号）") % {"label": label}]})
    return value


def _event(
    order: Order,
    *,
    actor: Any,
    action: str,
    from_state: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> OrderEvent:
    event = OrderEvent.objects.create(
        order=order,
        action=action,
        from_state=from_state,
        to_state=order.state,
        actor=actor if getattr(actor, "pk", None) else None,
        org=order.org,
        department=order.department,
        note=note,
        data=data or {},
        at=at or _now(),
    )
    audit_record(
        actor=actor,
        action=f"orders.order.{action}",
        target=order,
        data={"from": from_state, "to": order.state, "event": event.pk, **(data or {})},
    )
    publish(OrderTransitioned(order, event))
    return event


def _tell(people: Iterable[User], order: Order, event: OrderEvent, title: str, body: str = "") -> None:
    recipients = [p for p in people if p is not None and p.pk != (event.actor_id or 0)]
    if recipients:
        notify(
            recipients=recipients,
            kind=f"orders.{event.action}",
            # Notifications travel (email, webhooks) beyond the order page and its masking: a phone or ID
            # number typed into a title, reason or reply is masked here for every recipient.
            title=mask_free_text(title),
            body=mask_free_text(body or order.title),
            target=order,
            url=f"/orders/{order.pk}/",
            event_key=f"order-event:{event.pk}",
        )


def responsible_department(category: Category, area: Area) -> Department | None:
    """The responsibility matrix: the rule of the deepest area on the path wins; at equal depth a rule
    for the category beats one for its parent category, which beats a rule for every category."""
    prefixes = ["/".join(area.path.strip("/").split("/")[: i + 1]) + "/" for i in range(area.depth + 1)]
    categories = [c for c in (category.pk, category.parent_id) if c]
    candidates = (
        ResponsibilityRule.objects.filter(area__path__in=prefixes)
        .filter(Q(category_id__in=categories) | Q(category__isnull=True))
        .select_related("department", "area")
    )

    def rank(rule: ResponsibilityRule) -> tuple[int, int]:
        specificity = 2 if rule.category_id == category.pk else 1 if rule.category_id else 0
        return rule.area.depth, specificity

    best = max(candidates, key=rank, default=None)
    return best.department if best else None


# ---- creation ----------------------------------------------------------------------------------


def _resolve_area(community_code: str, grid_code: str | None) -> tuple[Area, Area]:
    community = Area.objects.filter(code=(community_code or "").strip(), level=Level.COMMUNITY).first()
    if community is None:
        raise ValidationFailed(
            {"community": [_("找不到社区“%(code)s”，请填写 12 位社区区划代码") % {"code": community_code}]}
        )
    if not grid_code:
        return community, community
    grid = Area.objects.filter(code=grid_code.strip(), parent=community, level=Level.GRID).first()
    if grid is None:
        raise ValidationFailed(
            {
                "grid": [
                    _("网格“%(code)s”不属于%(community)s") % {"code": grid_code, "community": community.display_name}
                ]
            }
        )
    return community, grid


def _resolve_channel(
    actor: Any, requested: str | None, *, org_id: int | None, on_behalf: bool, community: Area, area: Area
) -> str:
    grants = grants_for(actor)
    # ``area`` is the grid when one is given: a grid worker's grant covers their grid, not the community.
    staff = grants.is_admin or grants.covers_area(area, *rules.ENTRY_STAFF, Role.CIVIL_AFFAIRS)
    if requested and requested not in Channel.values:
        raise ValidationFailed({"channel": [_("未知渠道：%(c)s") % {"c": requested}]})
    if org_id is not None or requested == Channel.DISPATCH:
        may_dispatch = grants.is_admin or grants.covers_area(
            community, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS, Role.DEPT_STAFF
        )
        if not may_dispatch:
            raise PermissionDenied(_("只有本区域的社区、街道或职能部门工作人员可以派单"))
        return Channel.DISPATCH
    if on_behalf or requested in (Channel.PROXY, Channel.HOTLINE, Channel.PATROL):
        if not staff:
            raise PermissionDenied(_("只有本社区的网格员、社区或街道工作人员可以代居民登记需求"))
        if requested == Channel.PATROL and not grants.has_role(Role.GRID_WORKER):
            raise PermissionDenied(_("网格巡查上报仅限网格员"))
        return requested if requested in (Channel.HOTLINE, Channel.PATROL) else Channel.PROXY
    if requested == Channel.OPEN311:
        # An Open311 integration posts as its key's system user, whose resident grant is the key's area.
        if not grants.covers_area(community, Role.RESIDENT):
            raise PermissionDenied(_("该接口账号无权向%(c)s提交需求") % {"c": community.display_name})
        return Channel.OPEN311
    if grants.covers_area(community, Role.RESIDENT) or _resident_of_community(grants, community):
        return Channel.WEB
    if grants.has_role(Role.RESIDENT):
        raise PermissionDenied(_("您只能为自己所在的社区提交需求"))
    if staff:
        raise ValidationFailed(
            {"on_behalf_of": [_("工作人员登记需求时，请填写代办的居民（姓名和电话），或指定派单对象")]}
        )
    raise PermissionDenied(_("您没有在该社区提交需求的权限"))


def _resident_of_community(grants: Any, community: Area) -> bool:
    # A resident registered in a grid may post for their whole community.
    return any(community.path.startswith(p) or p.startswith(community.path) for p in grants.area_paths(Role.RESIDENT))


def order_create(
    *,
    actor: Any,
    category: str,
    title: str,
    description: str,
    community: str,
    grid: str | None = None,
    address: str = "",
    preferred_time: str = "",
    urgency: str = Urgency.NORMAL,
    scenario: str | None = None,
    org: int | None = None,
    on_behalf_of: dict[str, Any] | None = None,
    channel: str | None = None,
    contact_name: str = "",
    contact_phone: str = "",
) -> Order:
    """Post a need (点单), dispatch work (下单), or enter one for a resident (代办 / hotline / patrol)."""
    cat = Category.objects.filter(code=(category or "").strip(), active=True).first()
    if cat is None:
        raise ValidationFailed({"category": [_("请选择有效的服务类别")]})
    title = _text(title, "title", _("标题"), min_len=2, max_len=100)
    description = _text(description, "description", _("需求描述"), max_len=4000)
    address = (address or "").strip()[:200]
    preferred_time = (preferred_time or "").strip()[:100]
    if urgency not in Urgency.values:
        raise ValidationFailed({"urgency": [_("紧急程度只能是 normal（一般）或 urgent（紧急）")]})
    if scenario is not None and scenario not in Scenario.values:
        raise ValidationFailed({"scenario": [_("场景只能是 common（共性）、individual（个性）或 special（特殊疑难）")]})
    community_area, area = _resolve_area(community, grid)
    chan = _resolve_channel(
        actor, channel, org_id=org, on_behalf=bool(on_behalf_of), community=community_area, area=area
    )

    requester: User | None = actor if chan == Channel.WEB else None
    if on_behalf_of:
        contact_name = str(on_behalf_of.get("name") or "").strip()
        contact_phone = str(on_behalf_of.get("phone") or "").strip()
        if on_behalf_of.get("user"):
            requester = User.objects.filter(pk=on_behalf_of["user"], grants__role=Role.RESIDENT).first()
            if requester is None:
                raise ValidationFailed({"on_behalf_of.user": [_("找不到该居民账号")]})
            contact_name = contact_name or requester.display_name
            contact_phone = contact_phone or requester.phone
        if not contact_name:
            raise ValidationFailed({"on_behalf_of.name": [_("代办时请填写居民姓名")]})
    elif chan == Channel.WEB:
        contact_name = (contact_name or actor.display_name or actor.username).strip()
        contact_phone = (contact_phone or actor.phone).strip()
    contact_phone = contact_phone.replace(" ", "")
    if contact_phone and not PHONE.match(contact_phone):
        raise ValidationFailed({"contact_phone": [_("电话号码格式不正确：手机号 11 位，座机如 0580-3801234")]})

    target_org = None
    if org is not None:
        target_org = Organization.objects.filter(pk=org, status__in=ACTIVE_ORG_STATES).first()
        if target_org is None:
            raise ValidationFailed({"org": [_("派单对象不存在或不在正常状态")]})
    grants = grants_for(actor)
    dept_ids = sorted(grants.department_ids())
    dispatcher_department = (
        Department.objects.filter(pk=dept_ids[0]).first() if chan == Channel.DISPATCH and dept_ids else None
    )
    scen = scenario or Scenario.INDIVIDUAL

    with transaction.atomic():
        now = _now()
        order = Order(
            channel=chan,
            scenario=scen,
            urgency=urgency,
            state=State.PENDING,
            category=cat,
            title=title,
            description=description,
            area=area,
            community=community_area,
            address=address,
            preferred_time=preferred_time,
            requester=requester,
            contact_name=contact_name[:50],
            contact_phone=contact_phone[:20],
            created_by=actor,
            dispatcher_department=dispatcher_department,
            org=target_org,
            created_at=now,
        )
        order.accept_by = deadline(now, accept_days(order))
        data: dict[str, Any] = {"channel": chan}
        if scen == Scenario.SPECIAL and target_org is None:
            dept = responsible_department(cat, area)
            if dept is not None:
                order.state, order.department = State.FORWARDED, dept
                data["auto_forwarded"] = dept.name
        if order.accept_by is None:
            data["deadline"] = "calendar_missing"
        order.save()
        event = _event(order, actor=actor, action="created", from_state="", data=data, at=now)
        if order.department_id:
            _tell(rules.dept_staff(order.department_id), order, event, _("新的转办事项：%(t)s") % {"t": order.title})
        elif target_org is not None:
            _tell(rules.org_members(target_org.pk), order, event, _("新的派单：%(t)s") % {"t": order.title})
        if chan != Channel.WEB and requester is not None:
            _tell([requester], order, event, _("工作人员已为您登记需求：%(t)s") % {"t": order.title})
    return order


# ---- transitions -------------------------------------------------------------------------------


def _actor_org(actor: Any, order: Order, org_id: int | None) -> Organization:
    mine = grants_for(actor).organization_ids()
    if not mine:
        raise PermissionDenied(_("只有社会组织成员可以接单"))
    if org_id is not None and org_id not in mine:
        raise PermissionDenied(_("您不是该社会组织的成员"))
    candidates = Organization.objects.filter(pk__in=[org_id] if org_id else mine, status__in=ACTIVE_ORG_STATES)
    for candidate in candidates.order_by("pk"):
        if candidate.areas_served.filter(
            Q(pk=order.area_id) | Q(pk=order.community_id) | Q(pk__in=_ancestor_ids(order.area))
        ).exists():
            return candidate
    raise PermissionDenied(_("本组织的服务区域不包括%(c)s，不能领取该需求") % {"c": order.community.display_name})


def _ancestor_ids(area: Area) -> list[int]:
    codes = area.path.strip("/").split("/")
    return list(Area.objects.filter(code__in=codes).values_list("pk", flat=True))


def order_claim(*, actor: Any, order_id: int, org_id: int | None = None) -> Order:
    """An organization takes an open need from the hall; of two at once exactly one wins."""
    with transaction.atomic():
        if not grants_for(actor).organization_ids():
            _visible(actor, order_id)  # 404 for an outsider; whoever sees the order learns why they may not
            raise PermissionDenied(_("只有社会组织成员可以接单"))
        order = _visible(actor, order_id, "claim")
        try:
            MACHINE.guard(actor, order, "claim")
        except IllegalState as refused:  # the late claimer's client may show who has it
            refused.extra["holder"] = (
                order.org.name if order.org else (order.department.name if order.department else "")
            )
            raise
        org = _actor_org(actor, order, org_id)
        return _take_on(order, actor=actor, org=org, action="claimed")


def order_accept(*, actor: Any, order_id: int) -> Order:
    """The organization a need was dispatched to accepts it."""
    with transaction.atomic():
        order = _visible(actor, order_id)
        MACHINE.guard(actor, order, "accept")
        return _take_on(order, actor=actor, org=order.org, action="accepted")


def _take_on(order: Order, *, actor: Any, org: Organization | None, action: str) -> Order:
    prev, now = order.state, _now()
    order.org, order.state, order.accepted_at = org, State.ACCEPTED, now
    order.complete_by = deadline(now, complete_days(order))
    order.save(update_fields=["org", "state", "accepted_at", "complete_by"])
    event = _event(order, actor=actor, action=action, from_state=prev, at=now, data={"org": org.pk if org else None})
    _tell(rules.requesters(order), order, event, _("“%(org)s”已接单：%(t)s") % {"org": org, "t": order.title})
    return order


def order_reject(*, actor: Any, order_id: int, reason: str) -> Order:
    """A dispatched organization declines, with a reason; the dispatcher reassigns."""
    reason = _text(reason, "reason", _("拒绝理由"), min_len=2, max_len=500)
    with transaction.atomic():
        order = _visible(actor, order_id)
        MACHINE.guard(actor, order, "reject")
        rejecting = order.org
        order.state, order.org = State.REJECTED, None
        order.save(update_fields=["state", "org"])
        event = _event(
            order,
            actor=actor,
            action="rejected",
            from_state=State.PENDING,
            note=reason,
            data={"org": rejecting.pk if rejecting else None},
        )
        _tell(
            [order.created_by, *rules.area_supervisors(order)],
            order,
            event,
            _("“%(org)s”拒绝了派单，请重新派单：%(t)s") % {"org": rejecting, "t": order.title},
            reason,
        )
        return order


def order_reassign(*, actor: Any, order_id: int, org_id: int | None, note: str = "") -> Order:
    """Send a rejected or waiting order to another organization, or to the open hall (org_id None)."""
    with transaction.atomic():
        order = _visible(actor, order_id)
        MACHINE.guard(actor, order, "reassign")
        target = None
        if org_id is not None:
            target = Organization.objects.filter(pk=org_id, status__in=ACTIVE_ORG_STATES).first()
            if target is None:
                raise ValidationFailed({"org": [_("派单对象不存在或不在正常状态")]})
        prev, now = order.state, _now()
        order.state, order.org = State.PENDING, target
        order.accept_by = deadline(now, accept_days(order))
        order.save(update_fields=["state", "org", "accept_by"])
        event = _event(
            order,
            actor=actor,
            action="reassigned",
            from_state=prev,
            note=(note or "").strip()[:500],
            data={"org": target.pk if target else None},
            at=now,
        )
        if target is not None:
            _tell(rules.org_members(target.pk), order, event, _("新的派单：%(t)s") % {"t": order.title})
        return order


def order_complete(
    *,
    actor: Any,
    order_id: int,
    description: str,
    photos: list[UploadedFile],
    people_served: int = 1,
    volunteers: str = "",
) -> Order:
    """The organization finishes the service with 1-9 photos; the ledger entry is written for it."""
    description = _text(description, "description", _("服务情况说明"), min_len=5, max_len=2000)
    if not isinstance(people_served, int) or not 0 < people_served <= 100000:
        raise ValidationFailed({"people_served": [_("服务人数应为 1 到 100000 之间的整数")]})
    # Check who may act before storing any file; the files themselves are stored before the lock is
    # taken so the row is not held during image processing, and removed again if the transaction fails.
    pre = get_for(Order.objects.all(), actor, "view", pk=order_id)
    MACHINE.guard(actor, pre, "complete")
    stored = photos_store(list(photos), prefix=f"orders/{pre.pk}")
    try:
        with transaction.atomic():
            order = _visible(actor, order_id)
            MACHINE.guard(actor, order, "complete")
            now = _now()
            order.state, order.completed_at = State.COMPLETED, now
            order.completion_note, order.people_served = description, people_served
            order.volunteers = (volunteers or "").strip()[:200]
            order.save(update_fields=["state", "completed_at", "completion_note", "people_served", "volunteers"])
            event = _event(
                order,
                actor=actor,
                action="completed",
                from_state=State.ACCEPTED,
                note=description,
                data={"photos": len(stored), "people_served": people_served},
                at=now,
            )
            _save_photos(order, event, stored, actor, now)
            _ledger_write(order, now)
            _tell(rules.requesters(order), order, event, _("您的需求已完成，请确认并评价：%(t)s") % {"t": order.title})
            return order
    except BaseException:
        photos_discard(stored)
        raise


def _save_photos(order: Order, event: OrderEvent, stored: list[StoredPhoto], actor: Any, now: datetime) -> None:
    OrderPhoto.objects.bulk_create(
        [
            OrderPhoto(
                order=order,
                event=event,
                path=p.path,
                thumb_path=p.thumb_path,
                width=p.width,
                height=p.height,
                bytes=p.bytes,
                sha256=p.sha256,
                uploaded_by=actor,
                created_at=now,
            )
            for p in stored
        ]
    )


def _ledger_write(order: Order, now: datetime) -> LedgerEntry:
    """One ledger row per order, rewritten when a reopened order is completed again."""
    local = timezone.localtime(order.completed_at or now)
    values = {
        "org": order.org,
        "community": order.community,
        "area": order.area,
        "service_date": local.date(),
        "place": order.address or order.area.display_name,
        "service": f"{order.category.name}：{order.title}"[:300],
        "category_name": order.category.name,
        "people_served": order.people_served,
        "volunteers": order.volunteers,
        "photos_count": order.photos.count(),
        "updated_at": now,
    }
    entry, _created = LedgerEntry.objects.update_or_create(
        order=order, defaults=values, create_defaults={**values, "created_at": now}
    )
    return entry


def _close(
    order: Order, *, actor: Any, action: str, from_state: str, note: str = "", data: dict[str, Any] | None = None
) -> OrderEvent:
    order.state, order.closed_at = State.CLOSED, _now()
    order.save(update_fields=["state", "closed_at"])
    return _event(order, actor=actor, action=action, from_state=from_state, note=note, data=data)


def order_confirm(*, actor: Any, order_id: int, note: str = "") -> Order:
    """The requester, the dispatcher or the area's staff confirm a completed service: it is closed."""
    with transaction.atomic():
        order = _visible(actor, order_id)
        MACHINE.guard(actor, order, "confirm")
        event = _close(order, actor=actor, action="confirmed", from_state=State.COMPLETED, note=(note or "")[:500])
        _tell(rules.org_members(order.org_id), order, event, _("服务已确认办结：%(t)s") % {"t": order.title})
        return order


def order_rate(*, actor: Any, order_id: int, stars: int, comment: str = "", photos_public: bool = False) -> Rating:
    """Rate 1-5 stars, once per rater; the requester's rating of a completed order also closes it."""
    if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
        raise ValidationFailed({"stars": [_("请选择 1 到 5 颗星")]})
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationFailed({"comment": [_("评语最多 500 个字")]})
    with transaction.atomic():
        order = _visible(actor, order_id)
        relations = MACHINE.guard(actor, order, "rate")
        role = rules.rater_role(actor, order)
        assert role is not None  # the guard let only raters through
        if Rating.objects.filter(order=order, rater=actor).exists():
            raise Conflict(_("您已评价过该需求，每人只能评价一次"), extra={"state": order.state})
        rating = Rating.objects.create(
            order=order, rater=actor, rater_role=role, org=order.org, stars=stars, comment=comment, created_at=_now()
        )
        data = {"stars": stars, "rating": rating.pk}
        if photos_public and role == RaterRole.REQUESTER and order.photos_consent_at is None:
            order.photos_consent_at = _now()
            order.save(update_fields=["photos_consent_at"])
            data["photos_public"] = True
        if MACHINE.next_state("rate", order, relations) == State.CLOSED and order.state == State.COMPLETED:
            event = _close(order, actor=actor, action="rated", from_state=State.COMPLETED, note=comment, data=data)
        else:
            event = _event(order, actor=actor, action="rated", from_state=order.state, note=comment, data=data)
        _ledger_rating(order)
        _tell(
            rules.org_members(order.org_id),
            order,
            event,
            _("收到 %(n)s 星评价：%(t)s") % {"n": stars, "t": order.title},
            comment,
        )
        return rating


def _ledger_rating(order: Order) -> None:
    """The ledger shows the requester's stars, or the latest rating when the requester gave none."""
    ratings = list(Rating.objects.filter(order=order).order_by("-created_at", "-id"))
    chosen = next((r for r in ratings if r.rater_role == RaterRole.REQUESTER), ratings[0] if ratings else None)
    LedgerEntry.objects.filter(order=order).update(rating=chosen.stars if chosen else None, updated_at=_now())


def order_reopen(*, actor: Any, order_id: int, reason: str) -> Order:
    """The requester disputes a completion (重办): back to whoever handled it, with a new deadline."""
    reason = _text(reason, "reason", _("重办理由"), min_len=2, max_len=500)
    with transaction.atomic():
        order = _visible(actor, order_id)
        relations = MACHINE.guard(actor, order, "reopen")
        now = _now()
        order.state = MACHINE.next_state("reopen", order, relations)
        order.reopen_count += 1
        order.complete_by = deadline(now, complete_days(order))
        order.save(update_fields=["state", "reopen_count", "complete_by"])
        event = _event(order, actor=actor, action="reopened", from_state=State.COMPLETED, note=reason, at=now)
        handlers = rules.org_members(order.org_id) if order.org_id else rules.dept_staff(order.department_id)
        _tell(handlers, order, event, _("需求人要求重办：%(t)s") % {"t": order.title}, reason)
        return order


def order_cancel(*, actor: Any, order_id: int, reason: str = "") -> Order:
    """The requester withdraws a need before anyone has taken it on."""
    with transaction.atomic():
        order = _visible(actor, order_id)
        MACHINE.guard(actor, order, "cancel")
        prev, holder = order.state, order.org_id
        order.state = State.CANCELLED
        order.save(update_fields=["state"])
        event = _event(order, actor=actor, action="cancelled", from_state=prev, note=(reason or "").strip()[:500])
        _tell(rules.org_members(holder), order, event, _("需求已撤销：%(t)s") % {"t": order.title})
        return order


def order_forward(*, actor: Any, order_id: int, department_id: int | None = None, note: str = "") -> Order:
    """Hand a special or difficult case to the responsible department (转办), by the matrix or by name."""
    with transaction.atomic():
        order = _visible(actor, order_id)
        MACHINE.guard(actor, order, "forward")
        if department_id is not None:
            dept = Department.objects.filter(pk=department_id).first()
            if dept is None:
                raise ValidationFailed({"department": [_("找不到该职能部门")]})
        else:
            dept = responsible_department(order.category, order.area)
            if dept is None:
                raise ValidationFailed(
                    {
                        "department": [
                            _("责任矩阵中没有“%(c)s”在本区域的责任部门，请指定部门") % {"c": order.category.name}
                        ]
                    }
                )
        prev, now = order.state, _now()
        order.state, order.department, order.org = State.FORWARDED, dept, None
        order.scenario = Scenario.SPECIAL
        order.accept_by = deadline(now, accept_days(order))
        order.save(update_fields=["state", "department", "org", "scenario", "accept_by"])
        event = _event(
            order,
            actor=actor,
            action="forwarded",
            from_state=prev,
            note=(note or "").strip()[:500],
            data={"department": dept.pk},
            at=now,
        )
        _tell(rules.dept_staff(dept.pk), order, event, _("新的转办事项：%(t)s") % {"t": order.title}, note)
        return order


def order_sign(*, actor: Any, order_id: int) -> Order:
    """The department acknowledges a forwarded case (签收) and starts handling it."""
    with transaction.atomic():
        order = _visible(actor, order_id)
        MACHINE.guard(actor, order, "sign")
        now = _now()
        order.state, order.accepted_at = State.SIGNED, now
        order.complete_by = deadline(now, complete_days(order))
        order.save(update_fields=["state", "accepted_at", "complete_by"])
        event = _event(order, actor=actor, action="signed", from_state=State.FORWARDED, at=now)
        _tell(
            rules.requesters(order),
            order,
            event,
            _("%(d)s已签收您的需求：%(t)s") % {"d": order.department, "t": order.title},
        )
        return order


def order_reply(*, actor: Any, order_id: int, reply: str) -> Order:
    """The department answers a case it signed for; the requester then confirms and rates."""
    reply = _text(reply, "reply", _("答复内容"), min_len=5, max_len=4000)
    with transaction.atomic():
        order = _visible(actor, order_id)
        MACHINE.guard(actor, order, "reply")
        now = _now()
        order.state, order.reply, order.completed_at = State.COMPLETED, reply, now
        order.save(update_fields=["state", "reply", "completed_at"])
        event = _event(order, actor=actor, action="replied", from_state=State.SIGNED, note=reply, at=now)
        _tell(
            rules.requesters(order),
            order,
            event,
            _("%(d)s已答复您的需求，请确认：%(t)s") % {"d": order.department, "t": order.title},
            reply,
        )
        return order


def order_return(*, actor: Any, order_id: int, reason: str) -> Order:
    """The department sends a case back (退回) with a reason: it is not theirs, or lacks information."""
    reason = _text(reason, "reason", _("退回理由"), min_len=2, max_len=500)
    with transaction.atomic():
        order = _visible(actor, order_id)
        MACHINE.guard(actor, order, "return")
        prev, dept, now = order.state, order.department, _now()
        order.state, order.department = State.PENDING, None
        order.accept_by = deadline(now, accept_days(order))
        order.save(update_fields=["state", "department", "accept_by"])
        event = _event(
            order,
            actor=actor,
            action="returned",
            from_state=prev,
            note=reason,
            data={"department": dept.pk if dept else None},
            at=now,
        )
        _tell(
            [order.created_by, *rules.area_supervisors(order)],
            order,
            event,
            _("%(d)s退回了转办事项：%(t)s") % {"d": dept, "t": order.title},
            reason,
        )
        return order


def _remind_cooldown(order: Order) -> None:
    """One reminder per order per period: each one notifies the holder, and a client once sent 357 in minutes."""
    hours = settings.ORDER_REMIND_COOLDOWN_HOURS
    last = (
        OrderEvent.objects.filter(order=order, action="reminded", at__gt=_now() - timedelta(hours=hours))
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if last is not None:
        wait = max(60, int((last + timedelta(hours=hours) - _now()).total_seconds()))
        next_at = timezone.localtime(last + timedelta(hours=hours))
        raise RateLimited(
            _("该需求已于 %(at)s 催办过，%(n)s 小时内只能催办一次；下次可在 %(next)s 之后催办")
            % {"at": f"{timezone.localtime(last):%m-%d %H:%M}", "n": hours, "next": f"{next_at:%m-%d %H:%M}"},
            retry_after=wait,
        )


def order_remind(*, actor: Any, order_id: int, note: str = "") -> Order:
    """Community or street staff press whoever holds an open order (催办); logged, state unchanged."""
    with transaction.atomic():
        order = _visible(actor, order_id)
        MACHINE.guard(actor, order, "remind")
        _remind_cooldown(order)
        handlers = rules.org_members(order.org_id) if order.org_id else rules.dept_staff(order.department_id)
        order.reminder_count += 1
        order.save(update_fields=["reminder_count"])
        note = (note or "").strip()[:500]
        event = _event(order, actor=actor, action="reminded", from_state=order.state, note=note)
        _tell(handlers, order, event, _("催办：请尽快办理“%(t)s”") % {"t": order.title}, note)
        return order


def orders_auto_close(*, now: datetime | None = None, limit: int = 500) -> int:
    """Close completed orders nobody confirmed within ORDER_AUTO_CLOSE_DAYS days; returns how many."""
    now = now or _now()
    cutoff = now - timedelta(days=settings.ORDER_AUTO_CLOSE_DAYS)
    ids = list(
        Order.objects.filter(state=State.COMPLETED, completed_at__lt=cutoff)
        .order_by("completed_at")
        .values_list("pk", flat=True)[:limit]
    )
    closed = 0
    for order_id in ids:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.state != State.COMPLETED or order.completed_at is None or order.completed_at >= cutoff:
                continue
            _close(
                order,
                actor=None,
                action="auto_closed",
                from_state=State.COMPLETED,
                note=_("完成后 %(n)s 天未确认，系统自动办结") % {"n": settings.ORDER_AUTO_CLOSE_DAYS},
            )
            closed += 1
    return closed


def orders_fill_deadlines() -> int:
    """After an operator enters a missing holiday year, give the orders created meanwhile their deadlines."""
    filled = 0
    waiting = Q(accept_by__isnull=True, state__in=[State.PENDING, State.REJECTED, State.FORWARDED])
    in_hand = Q(complete_by__isnull=True, state__in=[State.ACCEPTED, State.SIGNED], accepted_at__isnull=False)
    for order_id in Order.objects.filter(waiting | in_hand).values_list("pk", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update().select_related("category").get(pk=order_id)
            changed = []
            if order.accept_by is None and order.state in (State.PENDING, State.REJECTED, State.FORWARDED):
                order.accept_by = deadline(order.created_at, accept_days(order))
                changed.append("accept_by")
            if order.complete_by is None and order.accepted_at and order.state in (State.ACCEPTED, State.SIGNED):
                order.complete_by = deadline(order.accepted_at, complete_days(order))
                changed.append("complete_by")
            changed = [f for f in changed if getattr(order, f) is not None]
            if changed:
                order.save(update_fields=changed)
                filled += 1
    return filled


def order_photos_consent(*, actor: Any, order_id: int, consent: bool) -> Order:
    """The requester agrees that photos of the service may show on the organization's public page, or withdraws
    that (the photos leave the public page at once)."""
    with transaction.atomic():
        order = _visible(actor, order_id)
        if not rules.is_requester(actor, order):
            raise PermissionDenied(_("只有需求人可以决定是否公开服务照片"))
        order.photos_consent_at = _now() if consent else None
        order.save(update_fields=["photos_consent_at"])
        audit_record(
            actor=actor,
            action="orders.photos.consent_given" if consent else "orders.photos.consent_withdrawn",
            target=order,
        )
        return order


def order_photo_mark_public(*, actor: Any, order_id: int, photo_id: int, suitable: bool) -> OrderPhoto:
    """The organization that served or the area's staff say whether a photo is fit to show publicly (no faces of
    people who did not agree, no house numbers …); it shows only if the requester agreed too."""
    with transaction.atomic():
        order = _visible(actor, order_id)
        if not (rules.is_handler_org_member(actor, order) or rules.is_area_staff(actor, order)):
            raise PermissionDenied(_("只有承办组织或本社区工作人员可以标记照片是否适合公开"))
        photo = OrderPhoto.objects.select_for_update().filter(order=order, pk=photo_id).first()
        if photo is None:
            raise NotFound()
        photo.public_ok_by, photo.public_ok_at = (actor, _now()) if suitable else (None, None)
        photo.save(update_fields=["public_ok_by", "public_ok_at"])
        audit_record(
            actor=actor,
            action="orders.photo.marked_public" if suitable else "orders.photo.unmarked_public",
            target=order,
            data={"photo": photo.pk},
        )
        return photo
