"""Who may see orders, the hall and the ledger: the rules the permission chokepoint applies."""

from __future__ import annotations

from django.db.models import Q

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import Grants, Policy, PolicyRule, register
from gongzhi.areas.models import Area
from gongzhi.orders.models import DONE_STATES, Category, LedgerEntry, Order, OrderEvent, OrderPhoto, Rating, State
from gongzhi.orgs.models import Organization, OrgStatus
from gongzhi.orgs.policies import org_view

STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
SUPERVISORS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)


def served_paths(g: Grants) -> list[str]:
    """Area paths served by the user's active organizations (cached on the grants of this request)."""
    cached = getattr(g, "_served_paths", None)
    if cached is None:
        orgs = g.organization_ids()
        # The status test belongs to the user's own organizations: excluding across the many-valued relation
        # (``exclude(serving_orgs__status__in=…)``) dropped an area for everyone as soon as any organization
        # serving it was suspended.
        serving = Organization.objects.filter(pk__in=orgs).exclude(
            status__in=[OrgStatus.SUSPENDED, OrgStatus.DEREGISTERED]
        )
        cached = (
            list(Area.objects.filter(serving_orgs__in=serving).values_list("path", flat=True).distinct())
            if orgs
            else []
        )
        g._served_paths = cached  # type: ignore[attr-defined]
    return cached


def served_q(g: Grants, prefix: str = "") -> Q:
    """Orders in the areas the user's organizations serve, whatever their state."""
    paths = served_paths(g)
    if not paths:
        return Q(pk__in=[])
    where = Q()
    for path in paths:
        where |= Q(**{f"{prefix}area__path__startswith": path})
    return where


def hall_q(g: Grants, prefix: str = "") -> Q:
    """Open needs nobody holds, in the areas the user's organizations serve."""
    return Q(
        **{f"{prefix}state": State.PENDING, f"{prefix}org__isnull": True, f"{prefix}department__isnull": True}
    ) & served_q(g, prefix)


def order_view_q(g: Grants, prefix: str = "") -> Q | None:
    if not g.authenticated:
        return None
    p = prefix
    q = Q(**{f"{p}requester_id": g.user.pk}) | Q(**{f"{p}created_by_id": g.user.pk})
    orgs = g.organization_ids()
    if orgs:
        q |= Q(**{f"{p}org_id__in": orgs}) | hall_q(g, p)
    if g.has_role(*STAFF):
        q |= g.area_id_q(f"{p}area", *STAFF)
    depts = g.department_ids()
    if depts:
        q |= Q(**{f"{p}department_id__in": depts}) | Q(**{f"{p}dispatcher_department_id__in": depts})
    return q


def public_q(prefix: str = "") -> PolicyRule:
    """What an organization's public page may count and show of an order: done services of an organization
    the viewer may see. Counts and photos only; who asked, where and what stay behind "view"."""
    org_rule = org_view(f"{prefix}org__")
    return lambda g: Q(**{f"{prefix}state__in": DONE_STATES, f"{prefix}org__isnull": False}) & org_rule(g)


@register(Order)
class OrderPolicy(Policy):
    rules = {
        "view": order_view_q,
        "hall": lambda g: hall_q(g) if g.organization_ids() else None,
        # An organization that tries to claim a need in its area learns who took it first (409), not 404.
        "claim": lambda g: served_q(g) | Q(org_id__in=g.organization_ids()) if g.organization_ids() else None,
        "supervise": lambda g: (
            g.area_id_q("area", Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
            if g.has_role(*SUPERVISORS)
            else None
        ),
        "public": public_q(),
    }


def _via_order(g: Grants) -> Q | None:
    return order_view_q(g, "order__")


@register(OrderEvent)
class OrderEventPolicy(Policy):
    rules = {"view": _via_order}


def public_photo(g: Grants) -> Q | None:
    """A photo shows on an organization's public page only if the requester agreed and the photo was marked
    suitable; everything else about it is private to those who see the order."""
    done = public_q("order__")(g)
    return None if done is None else done & Q(order__photos_consent_at__isnull=False, public_ok_at__isnull=False)


@register(OrderPhoto)
class OrderPhotoPolicy(Policy):
    rules = {"view": _via_order, "public": public_photo}

    def q(self, grants: Grants, action: str) -> Q | None:
        if action == "public":  # the public page shows an administrator what it shows everyone
            return public_photo(grants)
        return super().q(grants, action)


@register(Rating)
class RatingPolicy(Policy):
    rules = {"view": _via_order, "public": public_q("order__")}


def ledger_q(g: Grants) -> Q | None:
    if not g.authenticated:
        return None
    q = Q(org_id__in=g.organization_ids()) if g.organization_ids() else Q(pk__in=[])
    if g.has_role(*STAFF):
        q |= g.area_id_q("area", *STAFF)
    depts = g.department_ids()
    if depts:
        q |= Q(order__dispatcher_department_id__in=depts)
    return q


@register(LedgerEntry)
class LedgerPolicy(Policy):
    rules = {"view": ledger_q, "export": ledger_q}


@register(Category)
class CategoryPolicy(Policy):
    rules = {"view": lambda g: Q(active=True) if g.authenticated else None}
