"""Who may read which counters, warnings and points: the rules the permission chokepoint applies.

Counters (``Tally``):
- ``view`` (dashboards): staff get the cells of the orders in their area subtree — exactly the orders
  they may see — and organization people the cells of their own organization;
- ``publish`` (the leaderboards every signed-in person sees): district- and street-level cells, per
  organization only for organizations in the public directory.
Facts (``OrderFact``): ``view`` as counters, for the overdue and fast-closure lists.
Warnings: ``view`` for staff of the area, ``handle`` for community, street and civil affairs staff.
Points: every organization sees its own; civil affairs staff and expert reviewers see all.
"""

from __future__ import annotations

from django.db.models import Q

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import Grants, Policy, register
from gongzhi.insights.cube import STAFF, geo_cache, geo_q
from gongzhi.insights.facts import GEO_DISTRICT, GEO_STREET, GRAINS
from gongzhi.insights.models import HotspotWarning, OrderFact, PointsEntry, PointsFormula, PointsSnapshot, Tally
from gongzhi.orgs.models import PUBLIC_STATUSES, Organization

HANDLERS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
POINTS_READERS = (Role.CIVIL_AFFAIRS, Role.EXPERT)
PUBLIC_GRAINS = [g.code for g in GRAINS if g.geo <= GEO_STREET]
PUBLIC_NO_ORG = [g.code for g in GRAINS if g.geo <= GEO_STREET and not g.org]
DISTRICT_GRAINS = [g.code for g in GRAINS if g.geo <= GEO_DISTRICT]


def tally_view(g: Grants) -> Q | None:
    paths = g.area_paths(*STAFF)
    orgs = g.organization_ids()
    if not paths and not orgs:
        return None
    q = geo_q(paths, geo_cache(g)) if paths else Q(pk__in=[])
    if orgs:
        q |= Q(org_id__in=sorted(orgs))
    return q


def tally_publish(g: Grants) -> Q | None:
    """The public leaderboards: whole districts for anyone (the home page promises them), streets too for
    whoever is signed in; never finer, since small cells tell too much."""
    grains = PUBLIC_GRAINS if g.authenticated else DISTRICT_GRAINS
    public_orgs = Organization.objects.filter(status__in=PUBLIC_STATUSES).values("pk")
    return Q(grain__in=grains) & (Q(grain__in=PUBLIC_NO_ORG) | Q(org_id__in=public_orgs))


@register(Tally)
class TallyPolicy(Policy):
    rules = {"view": tally_view, "publish": tally_publish}


@register(OrderFact)
class OrderFactPolicy(Policy):
    """Facts carry the same district / street / area / organization columns as the counters, so the same
    rule gives a staff member the facts of exactly the orders in their area (overdue and fast lists)."""

    rules = {"view": tally_view}


@register(HotspotWarning)
class HotspotWarningPolicy(Policy):
    rules = {
        "view": lambda g: g.area_q("area", *STAFF) if g.has_role(*STAFF) else None,
        "handle": lambda g: g.area_q("area", *HANDLERS) if g.has_role(*HANDLERS) else None,
    }


def points_orgs(g: Grants) -> set[int] | None:
    """Whose points the user may read: None for everyone's (civil affairs, reviewers, admins)."""
    if g.is_admin or g.has_role(*POINTS_READERS):
        return None
    return g.organization_ids()


def points_q(g: Grants) -> Q | None:
    orgs = points_orgs(g)
    if orgs is None:
        return Q()
    return Q(org_id__in=sorted(orgs)) if orgs else None


@register(PointsEntry)
class PointsEntryPolicy(Policy):
    rules = {"view": points_q}


@register(PointsSnapshot)
class PointsSnapshotPolicy(Policy):
    rules = {"view": lambda g: Q() if g.authenticated else None}


@register(PointsFormula)
class PointsFormulaPolicy(Policy):
    rules = {
        "view": lambda g: Q() if g.authenticated else None,
        "change": lambda g: Q() if g.has_role(Role.CIVIL_AFFAIRS) else None,
    }
