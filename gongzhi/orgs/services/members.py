"""Members of an organization, and its service catalogue (供给清单).

Members: admins and members are people with an account; inviting them adds the matching grant
(``org_admin`` / ``org_member``) at once — there is no acceptance step, as the admin invites people
they work with. Volunteers are recorded by name and phone, optionally linked to an account (a
resident's), and get no grant: they do not use the organization's console.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Grant, Role, User
from gongzhi.accounts.permissions import forget_grants, get_for
from gongzhi.accounts.services import grant_add
from gongzhi.areas.models import Area
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.orders.models import Category
from gongzhi.orgs.models import MemberRole, Membership, Organization, ServiceOffer
from gongzhi.orgs.services import _common as c

ROLE_GRANTS = {MemberRole.ADMIN: Role.ORG_ADMIN, MemberRole.MEMBER: Role.ORG_MEMBER}
CATEGORY_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def _user_by_username(username: str) -> User:
    username = (username or "").strip()
    user = User.objects.filter(username=username, is_active=True).first() if username else None
    if user is None:
        raise ValidationFailed(
            {"username": [_("找不到用户名为“%(name)s”的账号，请先请对方注册或由管理员开通账号") % {"name": username}]}
        )
    return user


def add_member(*, actor: Any, org: Organization, username: str, role: str) -> Membership:
    """Add an account as admin or member with its grant; no permission check (callers check)."""
    if role not in ROLE_GRANTS:
        raise ValidationFailed({"role": [_("请选择身份：管理员或成员")]})
    user = _user_by_username(username)
    if Membership.objects.filter(organization=org, user=user, removed_at__isnull=True).exists():
        raise ValidationFailed({"username": [_("“%(name)s”已是本组织成员") % {"name": user}]})
    grant_add(actor=actor, user=user, role=ROLE_GRANTS[role], organization=org)
    membership = Membership.objects.create(
        organization=org,
        user=user,
        role=role,
        name=user.display_name or user.username,
        phone=user.phone,
        invited_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="orgs.membership.added",
        target=org,
        data={"membership": membership.pk, "user": user.pk, "role": role},
    )
    return membership


def member_invite(*, actor: Any, org: Organization, username: str, role: str) -> Membership:
    """The organization's admin invites an account as admin or member."""
    with transaction.atomic():
        current = c.locked(Organization, actor, "change", org.pk)
        c.require_org_alive(current, _("添加成员"))
        return add_member(actor=actor, org=current, username=username, role=role)


def member_add_volunteer(
    *, actor: Any, org: Organization, name: str = "", phone: str = "", username: str = ""
) -> Membership:
    """A volunteer, by name and phone, or linked to an existing account (e.g. a resident's)."""
    errors: dict[str, list[str]] = {}
    user = _user_by_username(username) if (username or "").strip() else None
    name = c.text(
        name or (user.display_name if user else ""),
        field="name",
        label=_("姓名"),
        max_length=50,
        required=True,
        errors=errors,
    )
    phone = c.phone(phone, field="phone", errors=errors)
    c.raise_if(errors)
    with transaction.atomic():
        current = c.locked(Organization, actor, "change", org.pk)
        c.require_org_alive(current, _("添加志愿者"))
        if (
            user is not None
            and Membership.objects.filter(organization=current, user=user, removed_at__isnull=True).exists()
        ):
            raise ValidationFailed({"username": [_("“%(name)s”已是本组织成员") % {"name": user}]})
        membership = Membership.objects.create(
            organization=current,
            user=user,
            role=MemberRole.VOLUNTEER,
            name=name,
            phone=phone or (user.phone if user else ""),
            invited_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="orgs.membership.added",
            target=current,
            data={"membership": membership.pk, "role": MemberRole.VOLUNTEER},
        )
    return membership


def member_remove(*, actor: Any, membership: Membership) -> Membership:
    """A member leaves; their grant goes with them. The last admin cannot leave."""
    with transaction.atomic():
        # Lock the organization first (as every other member change does), then the membership.
        visible = get_for(Membership.objects.all(), actor, "manage", pk=membership.pk)
        org = Organization.objects.select_for_update(of=("self",)).get(pk=visible.organization_id)
        current = Membership.objects.select_for_update(of=("self",)).get(pk=visible.pk)
        if current.removed_at is not None:
            return current
        if (
            current.role == MemberRole.ADMIN
            and not Membership.objects.filter(organization=org, role=MemberRole.ADMIN, removed_at__isnull=True)
            .exclude(pk=current.pk)
            .exists()
        ):
            raise Conflict(_("“%(name)s”是本组织唯一的管理员，请先添加另一位管理员") % {"name": current.name})
        current.removed_at = timezone.now()
        current.save(update_fields=["removed_at"])
        if current.user_id and current.role in ROLE_GRANTS:
            _revoke_grant(actor=actor, user=current.user, role=ROLE_GRANTS[current.role], org=org)
        audit_record(
            actor=actor,
            action="orgs.membership.removed",
            target=org,
            data={"membership": current.pk, "role": current.role},
        )
    return current


def _revoke_grant(*, actor: Any, user: User, role: str, org: Organization) -> None:
    # accounts has no grant_remove service yet; the deletion is audited like grant_add's creation.
    deleted, _rows = Grant.objects.filter(user=user, role=role, organization=org).delete()
    if deleted:
        forget_grants(user)
        audit_record(
            actor=actor, action="accounts.grant.removed", target=user, data={"role": role, "organization": org.pk}
        )


# ---- service catalogue ---------------------------------------------------------------------------


OFFER_FIELDS = ("category_code", "title", "area", "capacity_per_month", "price", "description", "active")


def _clean_offer(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    unknown = set(data) - set(OFFER_FIELDS)
    for key in sorted(unknown):
        errors[key] = [_("未知字段")]
    if creating or "category_code" in data:
        out["category_code"] = str(data.get("category_code") or "").strip().lower()
        if not CATEGORY_CODE.match(out["category_code"]):
            errors["category_code"] = [_("请填写服务类别代码（小写字母、数字、下划线），如 elderly_care")]
    if creating or "title" in data:
        out["title"] = c.text(
            data.get("title"), field="title", label=_("服务名称"), max_length=100, required=True, errors=errors
        )
    if "area" in data:
        out["area"] = data["area"] if isinstance(data["area"], Area) else None
    if "capacity_per_month" in data:
        out["capacity_per_month"] = (
            c.count(data["capacity_per_month"], field="capacity_per_month", label=_("每月可服务量"), errors=errors) or 0
        )
    if "price" in data:
        out["price"] = c.money(data["price"], field="price", label=_("价格"), errors=errors)
        if out["price"] is not None and out["price"] >= Decimal("1e8"):
            errors["price"] = [_("价格应小于 1 亿元")]
    if "description" in data:
        out["description"] = c.text(
            data["description"], field="description", label=_("服务内容"), max_length=4000, errors=errors
        )
    if "active" in data:
        out["active"] = bool(data["active"])
    c.raise_if(errors)
    return out


def _require_category(cleaned: dict[str, Any]) -> None:
    """An offer names one of the service categories orders use, so that matching can find it.

    Checked after the permission check: an outsider learns nothing from the message.
    """
    code = cleaned.get("category_code")
    if code is None or Category.objects.filter(code=code, active=True).exists():
        return
    examples = "、".join(
        f"{c_code}（{name}）"
        for c_code, name in Category.objects.filter(active=True)
        .order_by("sort", "code")
        .values_list("code", "name")[:3]
    )
    raise ValidationFailed(
        {
            "category_code": [
                _("没有代码为“%(code)s”的服务类别，请选择已有的类别，如 %(examples)s")
                % {"code": code, "examples": examples}
            ]
        }
    )


def offer_create(*, actor: Any, org: Organization, **fields: Any) -> ServiceOffer:
    cleaned = _clean_offer(fields, creating=True)
    with transaction.atomic():
        current = c.locked(Organization, actor, "change", org.pk)
        c.require_org_alive(current, _("发布服务项目"))
        _require_category(cleaned)
        offer = ServiceOffer.objects.create(organization=current, **cleaned)
        audit_record(
            actor=actor,
            action="orgs.offer.created",
            target=offer,
            data={"organization": current.pk, "category": offer.category_code},
        )
    return offer


def offer_update(*, actor: Any, offer: ServiceOffer, **fields: Any) -> ServiceOffer:
    cleaned = _clean_offer(fields, creating=False)
    with transaction.atomic():
        current = c.locked(ServiceOffer, actor, "manage", offer.pk)
        c.require_org_alive(current.organization, _("修改服务项目"))
        _require_category(cleaned)
        for key, value in cleaned.items():
            setattr(current, key, value)
        current.save()
        audit_record(actor=actor, action="orgs.offer.updated", target=current, data={"fields": sorted(cleaned)})
    return current
