"""Who stands in which relation to an order: the guards the transition services ask before acting."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongzhi.accounts.models import Role, User
from gongzhi.accounts.permissions import grants_for
from gongzhi.orders.models import Order, RaterRole

SUPERVISORS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
ENTRY_STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF)


def is_requester(actor: Any, order: Order) -> bool:
    """The resident who asked, or the worker who entered it for them (代办)."""
    return bool(actor.pk) and (
        order.requester_id == actor.pk
        or (order.channel in ("proxy", "hotline", "patrol") and order.created_by_id == actor.pk)
    )


def is_handler_org_member(actor: Any, order: Order) -> bool:
    return order.org_id is not None and order.org_id in grants_for(actor).organization_ids()


def is_handler_dept_staff(actor: Any, order: Order) -> bool:
    return order.department_id is not None and order.department_id in grants_for(actor).department_ids()


def is_dispatcher(actor: Any, order: Order) -> bool:
    if order.channel != "dispatch":
        return False
    if order.created_by_id == actor.pk:
        return True
    return (
        order.dispatcher_department_id is not None
        and order.dispatcher_department_id in grants_for(actor).department_ids()
    )


def is_area_staff(actor: Any, order: Order, roles: tuple[str, ...] = SUPERVISORS) -> bool:
    grants = grants_for(actor)
    return grants.is_admin or grants.covers_area(order.area, *roles)


def is_enterer(actor: Any, order: Order) -> bool:
    """Whoever entered the order (the resident, or the worker who entered it for someone)."""
    return bool(actor.pk) and order.created_by_id == actor.pk


def is_org_member(actor: Any, order: Order) -> bool:
    """A member of any organization (who might take an open need from the hall)."""
    return bool(grants_for(actor).organization_ids())


def is_reminding_staff(actor: Any, order: Order) -> bool:
    """Community and street staff of the order's area press whoever holds it (催办)."""
    return is_area_staff(actor, order, (Role.COMMUNITY_WORKER, Role.STREET_STAFF))


def rater_role(actor: Any, order: Order) -> str | None:
    """In which capacity the actor may rate the order, if at all."""
    if is_requester(actor, order):
        return RaterRole.REQUESTER
    if is_dispatcher(actor, order):
        return RaterRole.DISPATCHER
    grants = grants_for(actor)
    if order.department_id and order.department_id in grants.department_ids():
        return RaterRole.DEPARTMENT
    if grants.covers_area(order.area, *SUPERVISORS):
        return RaterRole.STAFF
    return None


def org_members(org_id: int | None) -> QuerySet[User]:
    if org_id is None:
        return User.objects.none()
    return User.objects.filter(
        grants__organization_id=org_id, grants__role__in=[Role.ORG_ADMIN, Role.ORG_MEMBER], is_active=True
    ).distinct()


def dept_staff(department_id: int | None) -> QuerySet[User]:
    if department_id is None:
        return User.objects.none()
    return User.objects.filter(
        grants__department_id=department_id, grants__role=Role.DEPT_STAFF, is_active=True
    ).distinct()


def area_supervisors(order: Order) -> QuerySet[User]:
    """Community and street staff responsible for the order's area."""
    paths = [p for p in order.area.path.strip("/").split("/")]
    prefixes = ["/".join(paths[: i + 1]) + "/" for i in range(len(paths))]
    return User.objects.filter(
        grants__role__in=[Role.COMMUNITY_WORKER, Role.STREET_STAFF], grants__area__path__in=prefixes, is_active=True
    ).distinct()


def requesters(order: Order) -> list[Any]:
    people: list[Any] = []
    if order.requester_id:
        people.append(order.requester)
    if (
        order.channel in ("proxy", "hotline", "patrol", "dispatch")
        and order.created_by_id
        and order.created_by_id != order.requester_id
    ):
        people.append(order.created_by)
    return people
