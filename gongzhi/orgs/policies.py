"""Who may see and change organizations, their records, and the talent and resource pools.

Actions on Organization:
- ``view``: the public directory (public statuses), the organization's own people, and the staff
  of the area it is registered or filed in;
- ``change``: its admins (profile, catalogue, members, annual report);
- ``supervise``: civil affairs staff of its area (register, grades, annual report review, export);
- ``file``: street and community staff of its area, and civil affairs (filing of community groups);
- ``registry``: the keepers of the register (civil affairs, street, community staff of its area);
- ``record``: its non-public record — its own people and the staff of its area.
"""

from django.db.models import Q

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import Grants, Policy, PolicyRule, register
from gongzhi.orgs.models import (
    PUBLIC_STATUSES,
    AnnualReport,
    Booking,
    Department,
    GradeAward,
    Membership,
    Organization,
    OrgStatusChange,
    ReportStatus,
    Resource,
    ServiceOffer,
    Talent,
)

AREA_STAFF = (Role.CIVIL_AFFAIRS, Role.STREET_STAFF, Role.COMMUNITY_WORKER)
FILING_STAFF = (Role.CIVIL_AFFAIRS, Role.STREET_STAFF, Role.COMMUNITY_WORKER)
POOL_STAFF = (Role.CIVIL_AFFAIRS, Role.STREET_STAFF, Role.COMMUNITY_WORKER, Role.GRID_WORKER)


def org_view(prefix: str = "") -> PolicyRule:
    """Who may see an organization (its public page): anyone while it is public, its people and area staff always."""

    def rule(g: Grants) -> Q:
        return (
            Q(**{f"{prefix}status__in": PUBLIC_STATUSES})
            | Q(**{f"{prefix}pk__in": g.organization_ids()})
            | g.area_q(f"{prefix}home_area", *AREA_STAFF)
        )

    return rule


def _org_people(field: str, *roles: str) -> PolicyRule:
    return lambda g: Q(**{f"{field}__in": g.organization_ids(*roles)})


def _org_record(field: str, *staff: str) -> PolicyRule:
    """Records of an organization: its own people, and the given staff of its area."""
    return lambda g: Q(**{f"{field}__in": g.organization_ids()}) | g.area_q(f"{field}__home_area", *staff)


@register(Organization)
class OrganizationPolicy(Policy):
    rules = {
        "view": org_view(),
        "change": lambda g: Q(pk__in=g.organization_ids(Role.ORG_ADMIN)),
        "supervise": lambda g: g.area_q("home_area", Role.CIVIL_AFFAIRS),
        "file": lambda g: g.area_q("home_area", *FILING_STAFF),
        # Its non-public record (history, reports, members, eligibility): its people and area staff.
        "record": lambda g: Q(pk__in=g.organization_ids()) | g.area_q("home_area", *AREA_STAFF),
        # The register (all statuses, unmasked contacts) for the staff who keep it.
        "registry": lambda g: g.area_q("home_area", *FILING_STAFF),
    }


@register(Department)
class DepartmentPolicy(Policy):
    rules = {"view": lambda g: Q() if g.authenticated else None}


@register(OrgStatusChange)
class OrgStatusChangePolicy(Policy):
    rules = {"view": _org_record("organization", *AREA_STAFF)}


@register(GradeAward)
class GradeAwardPolicy(Policy):
    # Grades are published by the bureau.
    rules = {
        "view": lambda g: (
            Q(organization__status__in=PUBLIC_STATUSES)
            | Q(organization__in=g.organization_ids())
            | g.area_q("organization__home_area", *AREA_STAFF)
        )
    }


@register(AnnualReport)
class AnnualReportPolicy(Policy):
    rules = {
        "view": _org_record("organization", Role.CIVIL_AFFAIRS, Role.STREET_STAFF),
        # The conclusion of a reviewed report is published (年检结论公告); the contents are not.
        "view_result": lambda g: (
            Q(status=ReportStatus.REVIEWED, organization__status__in=PUBLIC_STATUSES)
            | Q(organization__in=g.organization_ids())
            | g.area_q("organization__home_area", *AREA_STAFF)
        ),
        "fill": _org_people("organization", Role.ORG_ADMIN),
        "review": lambda g: g.area_q("organization__home_area", Role.CIVIL_AFFAIRS),
    }


@register(Membership)
class MembershipPolicy(Policy):
    rules = {
        "view": _org_record("organization", Role.CIVIL_AFFAIRS),
        "manage": _org_people("organization", Role.ORG_ADMIN),
        # How many volunteers an organization has is a public figure; who they are is not.
        "public_count": lambda g: (
            Q(organization__status__in=PUBLIC_STATUSES) | Q(organization__in=g.organization_ids())
        ),
    }


@register(ServiceOffer)
class ServiceOfferPolicy(Policy):
    rules = {
        "view": lambda g: (
            Q(active=True, organization__status__in=PUBLIC_STATUSES)
            | Q(organization__in=g.organization_ids())
            | g.area_q("organization__home_area", *AREA_STAFF)
        ),
        "manage": _org_people("organization", Role.ORG_ADMIN),
    }


@register(Talent)
class TalentPolicy(Policy):
    rules = {
        # Staff of the area, the organization it belongs to, and the person themself; always masked
        # in lists, revealed one at a time by those who may "reveal" (and that is logged).
        "view": lambda g: (
            g.area_q("area", *POOL_STAFF)
            | Q(organization__in=g.organization_ids())
            | (Q(user=g.user.pk) if g.authenticated else Q(pk__in=[]))
        ),
        "reveal": lambda g: g.area_q("area", *AREA_STAFF) | Q(organization__in=g.organization_ids(Role.ORG_ADMIN)),
        "change": lambda g: g.area_q("area", *AREA_STAFF) | Q(organization__in=g.organization_ids(Role.ORG_ADMIN)),
    }


def _resource_manage(prefix: str = "") -> PolicyRule:
    def rule(g: Grants) -> Q:
        return (
            Q(**{f"{prefix}owner_org__in": g.organization_ids(Role.ORG_ADMIN)})
            | Q(**{f"{prefix}owner_department__in": g.department_ids()})
            | (
                Q(**{f"{prefix}owner_org__isnull": True, f"{prefix}owner_department__isnull": True})
                & g.area_q(f"{prefix}area", Role.COMMUNITY_WORKER, Role.STREET_STAFF)
            )
        )

    return rule


@register(Resource)
class ResourcePolicy(Policy):
    rules = {
        # Shared resources are for everyone signed in to find; only the owner manages them.
        "view": lambda g: Q() if g.authenticated else None,
        "manage": _resource_manage(),
        # An organization's public page counts the resources it shares.
        "public_count": lambda g: Q(owner_org__status__in=PUBLIC_STATUSES),
    }


@register(Booking)
class BookingPolicy(Policy):
    rules = {
        "view": lambda g: (
            _resource_manage("resource__")(g) | (Q(requester=g.user.pk) if g.authenticated else Q(pk__in=[]))
        ),
        "decide": _resource_manage("resource__"),
        "cancel": lambda g: Q(requester=g.user.pk) if g.authenticated else None,
    }
