"""Reads of orders: lists with overdue flags, the hall, supervision, details, the ledger, categories.

Every read starts from the permission chokepoint (``restrict``/``get_for``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import BooleanField, Case, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from gongzhi.accounts.permissions import get_for, grants_for, restrict
from gongzhi.areas.models import Area
from gongzhi.core.masking import mask_address, mask_name, mask_phone
from gongzhi.orders import rules
from gongzhi.orders.models import (
    AWAITING_ACCEPT,
    IN_HAND,
    Category,
    LedgerEntry,
    Order,
    OrderEvent,
    State,
    Urgency,
)
from gongzhi.orders.transitions import MACHINE

LIST_RELATED = ("category", "area", "community", "org", "department")


def overdue_q(now: datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(state__in=AWAITING_ACCEPT, accept_by__lt=now) | Q(state__in=IN_HAND, complete_by__lt=now)


def with_flags(qs: QuerySet[Order], now: datetime | None = None) -> QuerySet[Order]:
    return qs.annotate(
        is_overdue=Case(When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()),
    )


def order_list(
    user: Any,
    *,
    state: str | None = None,
    category: str | None = None,
    area: str | None = None,
    org: int | None = None,
    overdue: bool | None = None,
    mine: bool = False,
) -> QuerySet[Order]:
    qs = restrict(Order.objects.all(), user, "view")
    if mine:
        qs = qs.filter(Q(requester=user) | Q(created_by=user))
    if state:
        qs = qs.filter(state__in=[s for s in state.split(",") if s in State.values])
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if area:
        target = Area.objects.filter(code=area).first()
        qs = qs.filter(area__path__startswith=target.path) if target else qs.none()
    if org:
        qs = qs.filter(org_id=org)
    if overdue is True:
        qs = qs.filter(overdue_q())
    elif overdue is False:
        qs = qs.exclude(overdue_q())
    return with_flags(qs).select_related(*LIST_RELATED).order_by("-created_at", "-id")


def hall(user: Any) -> QuerySet[Order]:
    """What the user's organization may claim: urgent first, then newest."""
    qs = restrict(Order.objects.all(), user, "hall")
    urgent_first = Case(When(urgency=Urgency.URGENT, then=Value(0)), default=Value(1))
    return with_flags(qs).select_related(*LIST_RELATED).order_by(urgent_first, "-created_at", "-id")


def supervision(user: Any) -> QuerySet[Order]:
    """Overdue open orders in the staff member's area, most overdue first (督办)."""
    qs = restrict(Order.objects.all(), user, "supervise").filter(overdue_q())
    return with_flags(qs).select_related(*LIST_RELATED).order_by("accept_by", "complete_by", "id")


def forwarded_inbox(user: Any) -> QuerySet[Order]:
    depts = grants_for(user).department_ids()
    qs = restrict(Order.objects.all(), user, "view").filter(
        department_id__in=depts, state__in=[State.FORWARDED, State.SIGNED]
    )
    return with_flags(qs).select_related(*LIST_RELATED).order_by("accept_by", "id")


def was_told_about(user: Any, order_id: int) -> bool:
    """Whether the user was notified about this order (their own inbox, through the chokepoint)."""
    from gongzhi.notify.selectors import notifications_for

    return notifications_for(user).filter(target_type="orders.order", target_id=str(order_id)).exists()


def order_detail(user: Any, order_id: int) -> Order:
    qs = with_flags(
        Order.objects.select_related(*LIST_RELATED, "requester", "created_by").prefetch_related(
            Prefetch(
                "events", queryset=OrderEvent.objects.select_related("actor", "org", "department").order_by("at", "id")
            ),
            "photos",
            "ratings",
        )
    )
    return get_for(qs, user, "view", pk=order_id)


def contact_visible(user: Any, order: Order) -> bool:
    """Contact details are shown to the requester, the area's staff, and to an organization or department only
    while it holds the order open (accepted; forwarded or signed): once the work is done they no longer need
    to reach the resident, so they see the contact masked like everyone else."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        rules.is_requester(user, order)
        or order.created_by_id == user.pk
        or (rules.is_handler_org_member(user, order) and order.state == State.ACCEPTED)
        or (rules.is_handler_dept_staff(user, order) and order.state in (State.FORWARDED, State.SIGNED))
        or rules.is_area_staff(user, order, (*rules.SUPERVISORS, "grid_worker"))
    )


def contact_for(user: Any, order: Order) -> dict[str, str]:
    if contact_visible(user, order):
        return {"name": order.contact_name, "phone": order.contact_phone, "address": order.address}
    return {
        "name": mask_name(order.contact_name),
        "phone": mask_phone(order.contact_phone),
        "address": mask_address(order.address),
    }


def allowed_actions(user: Any, order: Order) -> list[str]:
    """The actions the user could take now (for buttons and the API), as the order's state machine allows;
    the services remain the judges."""
    return MACHINE.allowed(user, order, extra={"rate": lambda o: not o.ratings.filter(rater=user).exists()})


def ledger(
    user: Any,
    *,
    org: int | None = None,
    area: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    action: str = "view",
) -> QuerySet[LedgerEntry]:
    qs = restrict(LedgerEntry.objects.all(), user, action)
    if org:
        qs = qs.filter(org_id=org)
    if area:
        target = Area.objects.filter(code=area).first()
        qs = qs.filter(area__path__startswith=target.path) if target else qs.none()
    if date_from:
        qs = qs.filter(service_date__gte=date_from)
    if date_to:
        qs = qs.filter(service_date__lte=date_to)
    return qs.select_related("org", "community", "area", "order").order_by("service_date", "id")


def categories(user: Any) -> QuerySet[Category]:
    return restrict(Category.objects.all(), user, "view").select_related("parent").order_by("sort", "code")
