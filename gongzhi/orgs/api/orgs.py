"""Organization endpoints: the public directory and page, the register and its life cycle, grades,
eligibility, profile, members and the service catalogue, import and export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Router, Status
from ninja.files import UploadedFile

from gongzhi.accounts.permissions import get_for
from gongzhi.core.masking import mask_name
from gongzhi.orgs import selectors as sel
from gongzhi.orgs import services as svc
from gongzhi.orgs.api import schemas as s
from gongzhi.orgs.http import public_auth, xlsx_response
from gongzhi.orgs.models import Membership, Organization, ServiceOffer
from gongzhi.orgs.validators import credit_code_problem, describe_credit_code, normalize_credit_code

router = Router(tags=["社会组织 orgs"])
MAX_PAGE = 100


def _page(qs: Any, limit: int, offset: int) -> tuple[int, list[Any]]:
    limit = max(1, min(limit, MAX_PAGE))
    return qs.count(), list(qs[max(0, offset) : max(0, offset) + limit])


def _org(request: HttpRequest, org_id: int, action: str) -> Organization:
    return get_for(Organization.objects.all(), request.user, action, pk=org_id)


# ---- public -------------------------------------------------------------------------------------------


@router.get("", auth=public_auth, response=s.OrgListOut, summary="社会组织名录（公开）")
def directory(
    request: HttpRequest,
    q: str = "",
    org_type: str = "",
    category: str = "",
    area: str = "",
    min_grade: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> dict[str, Any]:
    count, items = _page(
        sel.directory(request.user, q=q, org_type=org_type, category=category, area_code=area, min_grade=min_grade),
        limit,
        offset,
    )
    return {"count": count, "items": [s.org_card(o) for o in items]}


@router.get("/{int:org_id}", auth=public_auth, response=s.OrgDetailOut, summary="社会组织公开页")
def detail(request: HttpRequest, org_id: int) -> dict[str, Any]:
    org = sel.org_public(request.user, org_id)
    figures = sel.org_public_figures(request.user, org)
    return {
        **s.org_card(org),
        "credit_code": org.credit_code,
        "registered_on": org.registered_on,
        "address": org.address,
        "leader_name": mask_name(org.leader_name),
        "areas_served": [s.area_ref(a) for a in org.areas_served.all()],
        "offers": [s.offer_out(o) for o in sel.org_offers(request.user, org).filter(active=True)],
        "report_results": [
            {
                "year": r.year,
                "status": r.status,
                "status_label": r.get_status_display(),
                "result": r.result,
                "result_label": r.get_result_display() if r.result else "",
            }
            for r in sel.org_report_results(request.user, org)
        ],
        "figures": figures.__dict__,
    }


# ---- the register -----------------------------------------------------------------------------------


@router.get("/registry", response=s.RegistryListOut, summary="登记备案名录（工作人员，含全部状态）")
def registry(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    org_type: str = "",
    area: str = "",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    count, items = _page(
        sel.registry_list(request.user, q=q, status=status, org_type=org_type, area_code=area), limit, offset
    )
    return {"count": count, "items": [s.registry_item(o) for o in items]}


@router.post("/check-credit-code", response=s.CreditCodeOut, summary="校验统一社会信用代码（GB 32100）")
def check_credit_code(request: HttpRequest, payload: s.CreditCodeIn) -> dict[str, Any]:
    problem = credit_code_problem(payload.code)
    normalized = normalize_credit_code(payload.code)
    return {
        "valid": problem is None,
        "normalized": normalized,
        "message": problem or "",
        "parts": describe_credit_code(normalized) if problem is None else None,
    }


@router.post("/incubations", response={201: s.RegistryItemOut}, summary="新建培育孵化组织")
def incubate(request: HttpRequest, payload: s.IncubateIn) -> Status[dict[str, Any]]:
    org = svc.org_incubate(
        actor=request.user,
        incubator=payload.incubator,
        incubation_start=payload.incubation_start,
        incubation_end=payload.incubation_end,
        **s.profile_kwargs(payload, creating=True),
    )
    return Status(201, s.registry_item(org))


@router.post("/registrations", response={201: s.RegistryItemOut}, summary="登记社会组织（民政局）")
def register(request: HttpRequest, payload: s.RegisterIn) -> Status[dict[str, Any]]:
    extra = {"credit_code": payload.credit_code, "registered_on": payload.registered_on}
    profile = s.profile_kwargs(payload, creating=True)
    org = svc.org_register(actor=request.user, admin_username=payload.admin_username, **extra, **profile)
    return Status(201, s.registry_item(org))


@router.post("/{int:org_id}/registration", response=s.RegistryItemOut, summary="孵化组织转为登记")
def register_incubated(request: HttpRequest, org_id: int, payload: s.RegisterIn) -> dict[str, Any]:
    extra = {"credit_code": payload.credit_code, "registered_on": payload.registered_on}
    profile = s.profile_kwargs(payload, creating=False)
    org = svc.org_register(
        actor=request.user,
        org=_org(request, org_id, "registry"),
        admin_username=payload.admin_username,
        **extra,
        **profile,
    )
    return s.registry_item(org)


@router.post("/filings", response={201: s.RegistryItemOut}, summary="社区社会组织备案（街道、社区）")
def file_new(request: HttpRequest, payload: s.FileIn) -> Status[dict[str, Any]]:
    extra = {"credit_code": payload.credit_code, "filed_on": payload.filed_on}
    profile = s.profile_kwargs(payload, creating=True)
    org = svc.org_file(actor=request.user, admin_username=payload.admin_username, **extra, **profile)
    return Status(201, s.registry_item(org))


@router.post("/{int:org_id}/filing", response=s.RegistryItemOut, summary="孵化组织转为备案")
def file_incubated(request: HttpRequest, org_id: int, payload: s.FileIn) -> dict[str, Any]:
    extra = {"credit_code": payload.credit_code, "filed_on": payload.filed_on}
    profile = s.profile_kwargs(payload, creating=False)
    org = svc.org_file(
        actor=request.user,
        org=_org(request, org_id, "registry"),
        admin_username=payload.admin_username,
        **extra,
        **profile,
    )
    return s.registry_item(org)


TRANSITIONS = {
    "activate": svc.org_activate,
    "suspend": svc.org_suspend,
    "abnormal": svc.org_mark_abnormal,
    "restore": svc.org_restore,
    "deregister": svc.org_deregister,
}


def _transition_endpoint(verb: str, summary: str) -> None:
    service = TRANSITIONS[verb]

    def endpoint(request: HttpRequest, org_id: int, payload: s.ReasonIn) -> dict[str, Any]:
        org = service(actor=request.user, org=_org(request, org_id, "registry"), reason=payload.reason)
        return s.registry_item(org)

    endpoint.__name__ = f"org_{verb}"
    router.post(f"/{{int:org_id}}/{verb}", response=s.RegistryItemOut, summary=summary)(endpoint)


for _verb, _summary in (
    ("activate", "启用（已登记或已备案 → 活跃）"),
    ("suspend", "暂停活动（须写明事由）"),
    ("abnormal", "列入活动异常名录（须写明事由）"),
    ("restore", "恢复正常 / 移出异常名录"),
    ("deregister", "注销登记 / 撤销备案"),
):
    _transition_endpoint(_verb, _summary)


@router.get("/{int:org_id}/history", response=list[s.HistoryOut], summary="状态变更历史")
def history(request: HttpRequest, org_id: int) -> list[dict[str, Any]]:
    org = _org(request, org_id, "record")
    return [
        {
            "from_status": h.from_status,
            "to_status": h.to_status,
            "to_status_label": h.get_to_status_display(),
            "at": h.at,
            "reason": h.reason,
            "actor": str(h.actor) if h.actor else "",
        }
        for h in sel.org_history(request.user, org)
    ]


@router.post("/{int:org_id}/grades", response={201: s.GradeOut}, summary="评定评估等级（1A–5A，有效期五年）")
def set_grade(request: HttpRequest, org_id: int, payload: s.GradeIn) -> Status[dict[str, Any]]:
    award = svc.org_set_grade(
        actor=request.user,
        org=_org(request, org_id, "supervise"),
        grade=payload.grade,
        awarded_on=payload.awarded_on,
        note=payload.note,
    )
    return Status(
        201,
        {
            "grade": award.grade,
            "grade_label": f"{award.grade}A",
            "awarded_on": award.awarded_on,
            "valid_until": award.valid_until,
        },
    )


@router.get("/{int:org_id}/eligibility", response=s.EligibilityOut, summary="资格检查（等级、年报）")
def eligibility(
    request: HttpRequest,
    org_id: int,
    min_grade: int | None = None,
    report_year: int | None = None,
    report_must_pass: bool = False,
) -> dict[str, Any]:
    org = _org(request, org_id, "record")
    reasons = sel.org_eligibility(
        org, min_grade=min_grade, require_report_year=report_year, report_must_pass=report_must_pass
    )
    return {"eligible": not reasons, "reasons": reasons}


@router.patch("/{int:org_id}/profile", response=s.RegistryItemOut, summary="修改本组织资料（组织管理员）")
def update_profile(request: HttpRequest, org_id: int, payload: s.ProfileUpdateIn) -> dict[str, Any]:
    changes = payload.dict(exclude_unset=True)
    if "areas_served" in changes:
        changes["areas_served"] = s.areas_from_codes(changes["areas_served"])
    org = svc.org_update_profile(actor=request.user, org=_org(request, org_id, "change"), **changes)
    return s.registry_item(org)


# ---- members and catalogue ----------------------------------------------------------------------------


@router.get("/{int:org_id}/members", response=list[s.MemberOut], summary="成员与志愿者")
def members(request: HttpRequest, org_id: int) -> list[dict[str, Any]]:
    org = _org(request, org_id, "record")
    return [s.member_out(m) for m in sel.org_members(request.user, org)]


@router.post("/{int:org_id}/members", response={201: s.MemberOut}, summary="邀请成员或管理员（授予权限）")
def invite(request: HttpRequest, org_id: int, payload: s.InviteIn) -> Status[dict[str, Any]]:
    m = svc.member_invite(
        actor=request.user, org=_org(request, org_id, "change"), username=payload.username, role=payload.role
    )
    return Status(201, s.member_out(m))


@router.post("/{int:org_id}/volunteers", response={201: s.MemberOut}, summary="登记志愿者（无需账号）")
def add_volunteer(request: HttpRequest, org_id: int, payload: s.VolunteerIn) -> Status[dict[str, Any]]:
    m = svc.member_add_volunteer(
        actor=request.user,
        org=_org(request, org_id, "change"),
        name=payload.name,
        phone=payload.phone,
        username=payload.username,
    )
    return Status(201, s.member_out(m))


@router.post("/members/{int:membership_id}/remove", response=s.MemberOut, summary="移除成员")
def remove_member(request: HttpRequest, membership_id: int) -> dict[str, Any]:
    m = get_for(Membership.objects.all(), request.user, "manage", pk=membership_id)
    return s.member_out(svc.member_remove(actor=request.user, membership=m))


@router.get("/{int:org_id}/offers", auth=public_auth, response=list[s.OfferOut], summary="服务项目（供给清单）")
def offers(request: HttpRequest, org_id: int) -> list[dict[str, Any]]:
    org = sel.org_public(request.user, org_id)
    return [s.offer_out(o) for o in sel.org_offers(request.user, org)]


@router.post("/{int:org_id}/offers", response={201: s.OfferOut}, summary="发布服务项目")
def create_offer(request: HttpRequest, org_id: int, payload: s.OfferIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    data["area"] = s.area_from_code(data["area"], field="area")
    offer = svc.offer_create(actor=request.user, org=_org(request, org_id, "change"), **data)
    return Status(201, s.offer_out(offer))


@router.patch("/offers/{int:offer_id}", response=s.OfferOut, summary="修改或下架服务项目")
def update_offer(request: HttpRequest, offer_id: int, payload: s.OfferPatchIn) -> dict[str, Any]:
    offer = get_for(ServiceOffer.objects.all(), request.user, "manage", pk=offer_id)
    data = payload.dict(exclude_unset=True)
    if "area" in data:
        data["area"] = s.area_from_code(data["area"], field="area")
    return s.offer_out(svc.offer_update(actor=request.user, offer=offer, **data))


# ---- import and export -------------------------------------------------------------------------------


@router.post("/import", response=s.ImportOut, summary="从 Excel 导入登记名录（全部无误才写入）")
def import_register(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    result = svc.registry_import(actor=request.user, upload=file)
    return {
        "ok": result.ok,
        "rows": result.rows,
        "created": result.created,
        "problems": [p.__dict__ for p in result.problems],
    }


@router.get("/export", summary="导出登记名录（Excel）")
def export_register(request: HttpRequest, status: str = "", org_type: str = "") -> HttpResponse:
    qs = sel.registry_list(request.user, status=status, org_type=org_type)
    data = svc.registry_export(actor=request.user, queryset=qs)
    return xlsx_response(data, f"社会组织名录-{timezone.localdate():%Y%m%d}.xlsx")
