"""The talent pool (人才库): volunteers and professionals with skills, certificates and availability.

Talents are entered by the staff of their area or by the admins of the organization they belong
to. Names and phones are personal data: lists show them masked, and revealing one is an explicit,
audited action (:func:`talent_reveal`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import get_for, grants_for
from gongzhi.areas.models import Area
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import PermissionDenied
from gongzhi.orgs.models import Organization, Skill, Talent, TalentKind, TalentSkill
from gongzhi.orgs.policies import AREA_STAFF
from gongzhi.orgs.services import _common as c

FIELDS = (
    "kind",
    "name",
    "phone",
    "area",
    "skills",
    "tags",
    "certificates",
    "availability",
    "available",
    "organization",
)


def _clean(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for key in sorted(set(data) - set(FIELDS)):
        errors[key] = [_("未知字段")]
    out: dict[str, Any] = {}
    if creating or "kind" in data:
        out["kind"] = data.get("kind") or ""
        if out["kind"] not in TalentKind.values:
            errors["kind"] = [_("请选择类别：志愿者或专业人才")]
    if creating or "name" in data:
        out["name"] = c.text(
            data.get("name"), field="name", label=_("姓名"), max_length=50, required=True, errors=errors
        )
    if "phone" in data:
        out["phone"] = c.phone(data["phone"], field="phone", errors=errors)
    if creating or "area" in data:
        out["area"] = data.get("area")
        if not isinstance(out["area"], Area):
            errors["area"] = [_("请选择所在社区或街道")]
    if creating or "skills" in data:
        skills = list(dict.fromkeys(data.get("skills") or []))
        bad = [s for s in skills if s not in Skill.values]
        if bad:
            errors["skills"] = [_("技能“%(s)s”不在技能目录中；目录外的特长请写在“其他特长”里") % {"s": bad[0]}]
        elif not skills and not str(data.get("tags") or "").strip():
            errors["skills"] = [_("请至少选择一项技能，或填写其他特长")]
        out["skills"] = skills
    for key, label, limit in (
        ("tags", _("其他特长"), 200),
        ("certificates", _("证书"), 2000),
        ("availability", _("可服务时间"), 200),
    ):
        if key in data:
            out[key] = c.text(data[key], field=key, label=label, max_length=limit, errors=errors)
    if "available" in data:
        out["available"] = bool(data["available"])
    if "organization" in data:
        out["organization"] = data["organization"] if isinstance(data["organization"], Organization) else None
    c.raise_if(errors)
    return out


def _may_enter(actor: Any, area: Area, org: Organization | None) -> bool:
    grants = grants_for(actor)
    if grants.is_admin or grants.covers_area(area, *AREA_STAFF):
        return True
    return org is not None and org.pk in grants.organization_ids(Role.ORG_ADMIN)


def talent_create(*, actor: Any, **fields: Any) -> Talent:
    c.require_role(actor, *AREA_STAFF, Role.ORG_ADMIN)
    cleaned = _clean(fields, creating=True)
    if not _may_enter(actor, cleaned["area"], cleaned.get("organization")):
        raise PermissionDenied(_("只能录入本区域的人才，或本组织的志愿者和专业人才"))
    skills = cleaned.pop("skills")
    with transaction.atomic():
        talent = Talent.objects.create(created_by=actor, **cleaned)
        TalentSkill.objects.bulk_create([TalentSkill(talent=talent, skill=s) for s in skills])
        audit_record(
            actor=actor,
            action="orgs.talent.created",
            target=talent,
            data={"kind": talent.kind, "area": talent.area.code, "skills": skills},
        )
    return talent


def talent_update(*, actor: Any, talent: Talent, **fields: Any) -> Talent:
    cleaned = _clean(fields, creating=False)
    with transaction.atomic():
        current = c.locked(Talent, actor, "change", talent.pk)
        if ("area" in cleaned or "organization" in cleaned) and not _may_enter(
            actor, cleaned.get("area", current.area), cleaned.get("organization", current.organization)
        ):
            raise PermissionDenied(_("只能录入本区域的人才，或本组织的志愿者和专业人才"))
        skills = cleaned.pop("skills", None)
        for key, value in cleaned.items():
            setattr(current, key, value)
        current.save()
        if skills is not None:
            current.skill_rows.exclude(skill__in=skills).delete()
            have = set(current.skill_rows.values_list("skill", flat=True))
            TalentSkill.objects.bulk_create([TalentSkill(talent=current, skill=s) for s in skills if s not in have])
        audit_record(actor=actor, action="orgs.talent.updated", target=current, data={"fields": sorted(fields)})
    return current


def talent_reveal(*, actor: Any, talent: Talent) -> dict[str, str]:
    """The full name and phone of one talent, for those who may contact them; logged."""
    with transaction.atomic():
        current = get_for(Talent.objects.all(), actor, "reveal", pk=talent.pk)
        audit_record(actor=actor, action="orgs.talent.revealed", target=current, data={"fields": ["name", "phone"]})
    return {"name": current.name, "phone": current.phone}
