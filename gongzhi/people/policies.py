"""Who may see residents, houses, import jobs and the access log."""

from __future__ import annotations

from django.db.models import Q

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import Grants, Policy, register
from gongzhi.people.models import House, ImportJob, Person, RevealLog

STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
IMPORTERS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF)
SUPERVISORS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)


def _person_view(g: Grants) -> Q | None:
    if not g.authenticated:
        return None
    q = Q(user_id=g.user.pk)
    if g.has_role(*STAFF):
        q |= g.area_id_q("area", *STAFF)
    return q


def _staff(field: str, *roles: str) -> object:
    return lambda g: g.area_id_q(field, *roles) if g.authenticated and g.has_role(*roles) else None


@register(Person)
class PersonPolicy(Policy):
    rules = {
        "view": _person_view,
        "export": _staff("area", *STAFF),  # type: ignore[dict-item]
        "self": lambda g: Q(user_id=g.user.pk) if g.authenticated else None,
        # anonymise: administrators only (no rule)
    }


@register(House)
class HousePolicy(Policy):
    rules = {"view": lambda g: g.area_id_q("community", *STAFF) | g.area_id_q("grid", *STAFF)}


@register(ImportJob)
class ImportJobPolicy(Policy):
    rules = {"view": _staff("community", *IMPORTERS), "create": _staff("community", *IMPORTERS)}  # type: ignore[dict-item]


def _log_view(g: Grants) -> Q | None:
    if not g.authenticated:
        return None
    q = Q(person__user_id=g.user.pk)
    if g.has_role(*SUPERVISORS):
        q |= g.area_id_q("area", *SUPERVISORS)
    return q


@register(RevealLog)
class RevealLogPolicy(Policy):
    rules = {"view": _log_view}
