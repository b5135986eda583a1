"""Helpers shared by the organization services: locked fetches, guards and input cleaning."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import get_for, grants_for
from gongzhi.areas.models import Area
from gongzhi.core.errors import IllegalState, PermissionDenied, ValidationFailed
from gongzhi.orgs.models import Organization, OrgStatus

PHONE = re.compile(r"^[0-9+\-\s()（）转]{7,24}$")


def locked[M: models.Model](model: type[M], actor: Any, action: str, pk: Any) -> M:
    """The row, locked for this transaction, if ``actor`` may ``action`` it (else 404).

    ``of=("self",)`` locks only this row, not the areas joined in by the permission filter.
    """
    return get_for(model._default_manager.select_for_update(of=("self",)), actor, action, pk=pk)


def require_role(actor: Any, *roles: str) -> None:
    """A first, coarse check before any input is examined: outsiders learn nothing from validation messages."""
    grants = grants_for(actor)
    if not (grants.is_admin or grants.has_role(*roles)):
        raise PermissionDenied()


def require_area_role(actor: Any, area: Area, *roles: str, message: Any = None) -> None:
    grants = grants_for(actor)
    if not (grants.is_admin or grants.covers_area(area, *roles)):
        raise PermissionDenied(message)


def require_org_alive(org: Organization, doing: Any) -> None:
    """Refuse work for an organization that is deregistered (or not yet born)."""
    if org.status in (OrgStatus.DEREGISTERED, OrgStatus.INCUBATING):
        raise IllegalState(
            _("“%(org)s”当前状态为“%(state)s”，不能%(doing)s")
            % {"org": org.name, "state": org.get_status_display(), "doing": doing},
            state=org.status,
            state_label=org.get_status_display(),
        )


def text(
    value: Any, *, field: str, label: str, max_length: int, required: bool = False, errors: dict[str, list[str]]
) -> str:
    value = str(value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("请填写%(label)s") % {"label": label})
    elif len(value) > max_length:
        errors.setdefault(field, []).append(_("%(label)s最多 %(n)s 个字") % {"label": label, "n": max_length})
    return value


def money(value: Any, *, field: str, label: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors.setdefault(field, []).append(_("%(label)s应为数字（单位：元），如 125000.50") % {"label": label})
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        errors.setdefault(field, []).append(_("%(label)s应为不小于 0 的金额") % {"label": label})
        return None
    return amount.quantize(Decimal("0.01"))


def count(value: Any, *, field: str, label: str, errors: dict[str, list[str]]) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.setdefault(field, []).append(_("%(label)s应为整数") % {"label": label})
        return None
    if number < 0 or number > 10_000_000:
        errors.setdefault(field, []).append(_("%(label)s应为不小于 0 的整数") % {"label": label})
        return None
    return number


def phone(value: Any, *, field: str, errors: dict[str, list[str]]) -> str:
    value = str(value or "").strip()
    if value and not PHONE.match(value):
        errors.setdefault(field, []).append(_("电话号码格式不正确，如 0580-3801234 或 13800001234"))
    return value


def past_date(value: date | None, *, field: str, label: str, errors: dict[str, list[str]]) -> date | None:
    if value is not None and value > timezone.localdate():
        errors.setdefault(field, []).append(_("%(label)s不能晚于今天") % {"label": label})
    return value


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(errors)


def save_unique(obj: models.Model, *, field: str, message: Any) -> None:
    """Save; a unique constraint that fires under a race becomes a validation message, not a 500."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationFailed({field: [message]}) from None


def org_people(org_id: int | None) -> list[Any]:
    """The active members of an organization, who hear of decisions about it."""
    from gongzhi.accounts.models import Role, User

    if org_id is None:
        return []
    return list(
        User.objects.filter(
            grants__organization_id=org_id, grants__role__in=[Role.ORG_ADMIN, Role.ORG_MEMBER], is_active=True
        ).distinct()
    )


def tell(people: Any, *, actor: Any, kind: str, title: str, body: str, target: Any, url: str, key: str) -> None:
    """Notify those concerned (never the one who acted) inside the caller's transaction, like orders do."""
    from gongzhi.notify.services import notify

    recipients = [p for p in people if p is not None and p.pk != getattr(actor, "pk", None)]
    if recipients:
        notify(recipients=recipients, kind=kind, title=title, body=body, target=target, url=url, event_key=key)
