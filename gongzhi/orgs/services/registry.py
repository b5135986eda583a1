"""The register of social organizations: entry (incubation, registration, filing), the life cycle,
evaluation grades and the profile.

Life cycle (every step one function, a guard, a row lock, a history row and an audit entry)::

    incubating ──register──▶ registered ──activate──▶ active ◀──restore── suspended / abnormal
        └──────file────────▶ filed ───────activate──────┘   ──suspend / mark_abnormal──▶
    any state ──deregister──▶ deregistered

Registered types (社会团体, 社会服务机构, 基金会) are registered by civil affairs staff with a valid
credit code, at a district (or higher) area; community groups (社区社会组织) are filed by street
or community staff at their street or community.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import restrict
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import IllegalState, PermissionDenied, ValidationFailed
from gongzhi.orgs.models import (
    GRADE_VALID_YEARS,
    REGISTERED_TYPES,
    GradeAward,
    Organization,
    OrgStatus,
    OrgStatusChange,
    OrgType,
)
from gongzhi.orgs.policies import FILING_STAFF
from gongzhi.orgs.services import _common as c
from gongzhi.orgs.validators import credit_code_problem, normalize_credit_code

REGISTRY_LEVELS = (Level.PROVINCE, Level.CITY, Level.DISTRICT)
FILING_LEVELS = (Level.STREET, Level.COMMUNITY)
PROFILE_FIELDS = ("summary", "contact_phone", "categories", "address", "areas_served")


# ---- input ---------------------------------------------------------------------------------------


def _clean_profile(data: dict[str, Any], errors: dict[str, list[str]], *, creating: bool) -> dict[str, Any]:
    """The profile fields present in ``data``, cleaned; name, type and home area are required when creating."""
    out: dict[str, Any] = {}
    if creating or "name" in data:
        out["name"] = c.text(
            data.get("name"), field="name", label=_("名称"), max_length=200, required=True, errors=errors
        )
        if out["name"] and len(out["name"]) < 4:
            errors.setdefault("name", []).append(_("请填写组织的全称（至少 4 个字）"))
    if creating or "org_type" in data:
        out["org_type"] = data.get("org_type") or ""
        if out["org_type"] not in OrgType.values:
            errors.setdefault("org_type", []).append(_("请选择组织类型"))
    if creating or "home_area" in data:
        out["home_area"] = data.get("home_area")
        if not isinstance(out["home_area"], Area):
            errors.setdefault("home_area", []).append(_("请选择登记或备案所在的区域"))
    for key, label, limit in (
        ("summary", _("简介"), 4000),
        ("categories", _("服务领域"), 200),
        ("leader_name", _("法定代表人/负责人"), 50),
        ("address", _("住所"), 200),
        ("incubator", _("孵化机构"), 200),
    ):
        if key in data:
            out[key] = c.text(data[key], field=key, label=label, max_length=limit, errors=errors)
    if "contact_phone" in data:
        out["contact_phone"] = c.phone(data["contact_phone"], field="contact_phone", errors=errors)
    if "registered_on" in data:
        out["registered_on"] = c.past_date(
            data["registered_on"], field="registered_on", label=_("登记/备案日期"), errors=errors
        )
    if "areas_served" in data:
        out["areas_served"] = [a for a in (data["areas_served"] or []) if isinstance(a, Area)]
    return out


def _check_name_free(name: str, errors: dict[str, list[str]], *, exclude: int | None = None) -> None:
    if name and Organization.objects.filter(name=name).exclude(pk=exclude).exists():
        errors.setdefault("name", []).append(_("名称“%(name)s”已在名录中，请核对是否重复登记") % {"name": name})


def clean_credit_code(raw: str | None, errors: dict[str, list[str]], *, exclude: int | None = None) -> str:
    """The normalized code, or an error on ``credit_code``: which part is wrong, or who already holds it."""
    problem = credit_code_problem(raw)
    if problem:
        errors.setdefault("credit_code", []).append(problem)
        return ""
    code = normalize_credit_code(raw)
    holder = Organization.objects.filter(credit_code=code).exclude(pk=exclude).first()
    if holder is not None:
        errors.setdefault("credit_code", []).append(
            _("统一社会信用代码 %(code)s 已被“%(org)s”使用，不能重复登记") % {"code": code, "org": holder.name}
        )
    return code


def _check_level(area: Any, levels: tuple[str, ...], message: Any, errors: dict[str, list[str]]) -> None:
    if isinstance(area, Area) and area.level not in levels:
        errors.setdefault("home_area", []).append(message)


def _record(
    org: Organization, *, actor: Any, from_status: str, reason: str = "", data: dict | None = None, verb: str
) -> None:
    """The history row and the audit entry of one step, in the caller's transaction."""
    OrgStatusChange.objects.create(
        organization=org,
        from_status=from_status,
        to_status=org.status,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason,
        data=data or {},
    )
    audit_record(
        actor=actor,
        action=f"orgs.organization.{verb}",
        target=org,
        data={"from": from_status, "to": org.status, "reason": reason, **(data or {})},
    )


def _create(*, actor: Any, status: str, fields: dict[str, Any], verb: str, data: dict | None = None) -> Organization:
    areas_served = fields.pop("areas_served", None) or [fields["home_area"]]
    org = Organization(status=status, **fields)
    c.save_unique(org, field="name", message=_("名称或统一社会信用代码已在名录中"))
    org.areas_served.set(areas_served)
    _record(org, actor=actor, from_status="", verb=verb, data=data)
    return org


def _assign_admin(*, actor: Any, org: Organization, admin_username: str) -> None:
    if admin_username:
        from gongzhi.orgs.services.members import add_member

        add_member(actor=actor, org=org, username=admin_username, role="admin")


# ---- entry ---------------------------------------------------------------------------------------


def org_incubate(
    *, actor: Any, incubator: str, incubation_start: date, incubation_end: date | None = None, **profile: Any
) -> Organization:
    """A group in incubation (培育孵化) at an incubator such as a street's social organization hub."""
    c.require_role(actor, Role.CIVIL_AFFAIRS, Role.STREET_STAFF)
    errors: dict[str, list[str]] = {}
    fields = _clean_profile({**profile, "incubator": incubator}, errors, creating=True)
    if not fields.get("incubator"):
        errors.setdefault("incubator", []).append(_("请填写孵化机构，如：东港街道社会组织服务中心"))
    if not isinstance(incubation_start, date):
        errors.setdefault("incubation_start", []).append(_("请填写孵化开始日期"))
    elif incubation_end is not None and incubation_end <= incubation_start:
        errors.setdefault("incubation_end", []).append(_("孵化结束日期应晚于开始日期"))
    _check_name_free(fields.get("name", ""), errors)
    c.raise_if(errors)
    c.require_area_role(actor, fields["home_area"], Role.CIVIL_AFFAIRS, Role.STREET_STAFF)
    with transaction.atomic():
        return _create(
            actor=actor,
            status=OrgStatus.INCUBATING,
            verb="incubated",
            fields={**fields, "incubation_start": incubation_start, "incubation_end": incubation_end},
            data={"incubator": fields["incubator"], "start": incubation_start, "end": incubation_end},
        )


def _enter(
    *,
    actor: Any,
    org: Organization | None,
    to: str,
    verb: str,
    profile: dict[str, Any],
    check: Any,
    roles: tuple[str, ...],
    extra: dict[str, Any],
    admin_username: str,
) -> Organization:
    """Registration or filing: of a new organization, or of one in incubation."""
    c.require_role(actor, *roles)
    errors: dict[str, list[str]] = {}
    fields = _clean_profile(profile, errors, creating=org is None)
    c.raise_if(errors)
    with transaction.atomic():
        current = c.locked(Organization, actor, "registry", org.pk) if org is not None else None
        if current is not None and current.status != OrgStatus.INCUBATING:
            raise IllegalState(
                _("“%(org)s”当前状态为“%(state)s”，只有培育孵化中的组织才能转为登记或备案")
                % {"org": current.name, "state": current.get_status_display()},
                state=current.status,
                state_label=current.get_status_display(),
            )
        merged = (
            {"name": current.name, "org_type": current.org_type, "home_area": current.home_area, **fields}
            if current is not None
            else fields
        )
        check(actor, merged, extra, errors, current.pk if current is not None else None)
        _check_name_free(merged["name"], errors, exclude=current.pk if current is not None else None)
        c.raise_if(errors)
        if current is None:
            org = _create(
                actor=actor,
                status=to,
                fields={**fields, **extra},
                verb=verb,
                data={k: v for k, v in extra.items() if k == "credit_code"},
            )
        else:
            org, from_status = current, current.status
            areas_served = fields.pop("areas_served", None)
            for key, value in {**fields, **extra, "status": to, "status_reason": ""}.items():
                setattr(org, key, value)
            c.save_unique(org, field="credit_code", message=_("名称或统一社会信用代码已在名录中"))
            if areas_served:
                org.areas_served.set(areas_served)
            _record(
                org,
                actor=actor,
                from_status=from_status,
                verb=verb,
                data={k: v for k, v in extra.items() if k == "credit_code"},
            )
        _assign_admin(actor=actor, org=org, admin_username=admin_username)
    return org


def _check_registration(
    actor: Any, merged: dict[str, Any], extra: dict[str, Any], errors: dict[str, list[str]], exclude: int | None
) -> None:
    if merged["org_type"] not in REGISTERED_TYPES:
        errors.setdefault("org_type", []).append(_("社区社会组织只需在街道或社区备案，不在民政局登记；请改用“备案”"))
    _check_level(merged["home_area"], REGISTRY_LEVELS, _("登记机关应为区县（或市、省）民政部门，请选择区县"), errors)
    extra["credit_code"] = clean_credit_code(extra.get("credit_code"), errors, exclude=exclude)
    c.require_area_role(
        actor, merged["home_area"], Role.CIVIL_AFFAIRS, message=_("只有该区域的民政局工作人员可以登记社会组织")
    )


def _check_filing(
    actor: Any, merged: dict[str, Any], extra: dict[str, Any], errors: dict[str, list[str]], exclude: int | None
) -> None:
    if merged["org_type"] != OrgType.COMMUNITY_GROUP:
        errors.setdefault("org_type", []).append(
            _("备案只适用于社区社会组织；社会团体、社会服务机构和基金会须在民政局登记")
        )
    _check_level(merged["home_area"], FILING_LEVELS, _("备案地应为街道或社区"), errors)
    if extra.get("credit_code"):
        extra["credit_code"] = clean_credit_code(extra["credit_code"], errors, exclude=exclude)
    else:
        extra["credit_code"] = None
    c.require_area_role(
        actor, merged["home_area"], *FILING_STAFF, message=_("只有所在街道、社区或民政局的工作人员可以办理备案")
    )


def org_register(
    *,
    actor: Any,
    credit_code: str,
    org: Organization | None = None,
    registered_on: date | None = None,
    admin_username: str = "",
    **profile: Any,
) -> Organization:
    """Registration (登记) by civil affairs staff: a new organization, or one leaving incubation."""
    return _enter(
        actor=actor,
        org=org,
        to=OrgStatus.REGISTERED,
        verb="registered",
        profile={**profile, "registered_on": registered_on or timezone.localdate()},
        check=_check_registration,
        roles=(Role.CIVIL_AFFAIRS,),
        extra={"credit_code": credit_code},
        admin_username=admin_username,
    )


def org_file(
    *,
    actor: Any,
    org: Organization | None = None,
    filed_on: date | None = None,
    credit_code: str = "",
    admin_username: str = "",
    **profile: Any,
) -> Organization:
    """Filing (备案) of a community group at its street or community, by their staff or civil affairs."""
    if org is None:
        profile.setdefault("org_type", OrgType.COMMUNITY_GROUP)
    return _enter(
        actor=actor,
        org=org,
        to=OrgStatus.FILED,
        verb="filed",
        profile={**profile, "registered_on": filed_on or timezone.localdate()},
        check=_check_filing,
        roles=FILING_STAFF,
        extra={"credit_code": credit_code},
        admin_username=admin_username,
    )


# ---- the life cycle ------------------------------------------------------------------------------


def _transition(
    *,
    actor: Any,
    org: Organization,
    allowed: tuple[str, ...],
    to: str,
    verb: str,
    doing: Any,
    reason: str = "",
    reason_required: bool = False,
) -> Organization:
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise ValidationFailed({"reason": [_("请填写事由，例如：未按时提交年度报告")]})
    if len(reason) > 500:
        raise ValidationFailed({"reason": [_("事由最多 500 个字")]})
    with transaction.atomic():
        current = c.locked(Organization, actor, "registry", org.pk)
        action = "supervise" if current.org_type in REGISTERED_TYPES else "file"
        if not restrict(Organization.objects.filter(pk=current.pk), actor, action).exists():
            raise PermissionDenied(_("只有登记或备案机关的工作人员可以办理此事项"))
        if current.status not in allowed:
            raise IllegalState(
                _("“%(org)s”当前状态为“%(state)s”，不能%(doing)s")
                % {"org": current.name, "state": current.get_status_display(), "doing": doing},
                state=current.status,
                state_label=current.get_status_display(),
            )
        from_status = current.status
        current.status = to
        current.status_reason = reason
        current.save(update_fields=["status", "status_reason", "updated_at"])
        _record(current, actor=actor, from_status=from_status, reason=reason, verb=verb)
    return current


def org_activate(*, actor: Any, org: Organization, reason: str = "") -> Organization:
    """A registered or filed organization starts its activities on the platform."""
    return _transition(
        actor=actor,
        org=org,
        allowed=(OrgStatus.REGISTERED, OrgStatus.FILED),
        to=OrgStatus.ACTIVE,
        verb="activated",
        doing=_("启用"),
        reason=reason,
    )


def org_suspend(*, actor: Any, org: Organization, reason: str) -> Organization:
    """Suspension of activities (责令暂停活动), e.g. during an investigation."""
    return _transition(
        actor=actor,
        org=org,
        allowed=(OrgStatus.ACTIVE, OrgStatus.ABNORMAL),
        to=OrgStatus.SUSPENDED,
        verb="suspended",
        doing=_("暂停活动"),
        reason=reason,
        reason_required=True,
    )


def org_mark_abnormal(*, actor: Any, org: Organization, reason: str) -> Organization:
    """Listing in the abnormal list (列入活动异常名录), e.g. for a missing annual report."""
    return _transition(
        actor=actor,
        org=org,
        allowed=(OrgStatus.ACTIVE, OrgStatus.REGISTERED, OrgStatus.FILED),
        to=OrgStatus.ABNORMAL,
        verb="marked_abnormal",
        doing=_("列入异常名录"),
        reason=reason,
        reason_required=True,
    )


def org_restore(*, actor: Any, org: Organization, reason: str) -> Organization:
    """Back to normal activity (移出异常名录 / 恢复活动) once the cause is remedied."""
    return _transition(
        actor=actor,
        org=org,
        allowed=(OrgStatus.SUSPENDED, OrgStatus.ABNORMAL),
        to=OrgStatus.ACTIVE,
        verb="restored",
        doing=_("恢复正常"),
        reason=reason,
        reason_required=True,
    )


def org_deregister(*, actor: Any, org: Organization, reason: str) -> Organization:
    """Deregistration (注销登记 / 撤销备案); the record and its history stay."""
    allowed = tuple(s for s in OrgStatus.values if s != OrgStatus.DEREGISTERED)
    return _transition(
        actor=actor,
        org=org,
        allowed=allowed,
        to=OrgStatus.DEREGISTERED,
        verb="deregistered",
        doing=_("注销"),
        reason=reason,
        reason_required=True,
    )


# ---- grades and profile --------------------------------------------------------------------------


def grade_valid_until(awarded_on: date) -> date:
    """The last day of the five-year validity (29 February awards end on 28 February)."""
    try:
        anniversary = awarded_on.replace(year=awarded_on.year + GRADE_VALID_YEARS)
    except ValueError:
        anniversary = awarded_on.replace(year=awarded_on.year + GRADE_VALID_YEARS, day=28) + timedelta(days=1)
    return anniversary - timedelta(days=1)


def org_set_grade(*, actor: Any, org: Organization, grade: int, awarded_on: date, note: str = "") -> GradeAward:
    """An evaluation grade 1A–5A from the bureau's assessment, valid five years."""
    errors: dict[str, list[str]] = {}
    if not isinstance(grade, int) or not 1 <= grade <= 5:
        errors["grade"] = [_("评估等级应为 1A 到 5A")]
    if not isinstance(awarded_on, date):
        errors["awarded_on"] = [_("请填写评定日期")]
    else:
        c.past_date(awarded_on, field="awarded_on", label=_("评定日期"), errors=errors)
    note = c.text(note, field="note", label=_("备注"), max_length=500, errors=errors)
    c.raise_if(errors)
    with transaction.atomic():
        current = c.locked(Organization, actor, "supervise", org.pk)
        c.require_org_alive(current, _("评定等级"))
        award = GradeAward.objects.create(
            organization=current,
            grade=grade,
            awarded_on=awarded_on,
            valid_until=grade_valid_until(awarded_on),
            note=note,
            awarded_by=actor if getattr(actor, "pk", None) else None,
        )
        # A late entry of an older assessment is kept in the history but does not replace a newer grade.
        if current.grade_awarded_on is None or awarded_on >= current.grade_awarded_on:
            current.grade, current.grade_awarded_on, current.grade_valid_until = grade, awarded_on, award.valid_until
            current.save(update_fields=["grade", "grade_awarded_on", "grade_valid_until", "updated_at"])
        audit_record(
            actor=actor,
            action="orgs.organization.graded",
            target=current,
            data={"grade": grade, "awarded_on": awarded_on, "valid_until": award.valid_until},
        )
    return award


def org_update_profile(*, actor: Any, org: Organization, **changes: Any) -> Organization:
    """The organization's admins keep its public profile: summary, phone, service fields, address, areas."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed({k: [_("此项不能在这里修改")] for k in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    fields = _clean_profile(changes, errors, creating=False)
    if "areas_served" in changes and not fields.get("areas_served"):
        errors["areas_served"] = [_("请至少选择一个服务区域")]
    c.raise_if(errors)
    with transaction.atomic():
        current = c.locked(Organization, actor, "change", org.pk)
        c.require_org_alive(current, _("修改资料"))
        areas = fields.pop("areas_served", None)
        for key, value in fields.items():
            setattr(current, key, value)
        current.save()
        if areas is not None:
            current.areas_served.set(areas)
        audit_record(
            actor=actor, action="orgs.organization.profile_updated", target=current, data={"fields": sorted(changes)}
        )
    return current
