"""Annual reports (年度报告 / 年检): the organization fills and submits, civil affairs staff review.

    draft ──submit──▶ submitted ──review──▶ reviewed (合格 / 基本合格 / 不合格)
      ▲                   │
      └──── returned ◀──return (退回修改, with a note)

The report for year Y is filed during Y+1, so the latest year that can be reported is last year.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import IllegalState, ValidationFailed
from gongzhi.orgs.models import AnnualReport, Organization, PartyOrg, ReportResult, ReportStatus
from gongzhi.orgs.services import _common as c

FIRST_YEAR = 2000
EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)
# (field, label, kind, required before submission)
FIELDS: list[tuple[str, Any, str, bool]] = [
    ("activities", gettext_lazy("业务活动情况"), "text", True),
    ("income", gettext_lazy("本年收入"), "money", True),
    ("expense", gettext_lazy("本年支出"), "money", True),
    ("net_assets", gettext_lazy("年末净资产"), "money", False),
    ("staff_count", gettext_lazy("专职工作人员数"), "count", True),
    ("volunteer_count", gettext_lazy("志愿者人数"), "count", False),
    ("party_org", gettext_lazy("党组织建立情况"), "choice", True),
    ("party_members", gettext_lazy("党员人数"), "count", False),
    ("party_activities", gettext_lazy("党建工作情况"), "text", False),
    ("changes", gettext_lazy("变更事项"), "text", False),
]


def _illegal(report: AnnualReport, doing: Any) -> IllegalState:
    return IllegalState(
        _("%(year)s年度报告当前状态为“%(state)s”，不能%(doing)s")
        % {"year": report.year, "state": report.get_status_display(), "doing": doing},
        state=report.status,
        state_label=report.get_status_display(),
    )


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    known = {f for f, _l, _k, _r in FIELDS}
    for key in sorted(set(data) - known):
        errors[key] = [_("未知字段")]
    out: dict[str, Any] = {}
    for field, label, kind, _required in FIELDS:
        if field not in data:
            continue
        value = data[field]
        if kind == "text":
            out[field] = c.text(value, field=field, label=label, max_length=8000, errors=errors)
        elif kind == "money":
            out[field] = c.money(value, field=field, label=label, errors=errors)
        elif kind == "count":
            out[field] = c.count(value, field=field, label=label, errors=errors)
        else:
            out[field] = value or ""
            if out[field] and out[field] not in PartyOrg.values:
                errors[field] = [_("请选择党组织建立情况")]
    c.raise_if(errors)
    return out


def _check_year(org: Organization, year: Any) -> int:
    last = timezone.localdate().year - 1
    first = max(FIRST_YEAR, org.registered_on.year if org.registered_on else FIRST_YEAR)
    if not isinstance(year, int) or not first <= year <= last:
        raise ValidationFailed(
            {
                "year": [
                    _("年度应在 %(first)s 到 %(last)s 之间（%(y)s 年的报告在次年填报）")
                    % {"first": first, "last": last, "y": last}
                ]
            }
        )
    return year


def annual_report_save(*, actor: Any, org: Organization, year: int, **fields: Any) -> AnnualReport:
    """Create or update the draft of ``org``'s report for ``year``; by its admins."""
    cleaned = _clean(fields)
    with transaction.atomic():
        current = c.locked(Organization, actor, "change", org.pk)
        c.require_org_alive(current, _("填报年度报告"))
        year = _check_year(current, year)
        report = AnnualReport.objects.select_for_update().filter(organization=current, year=year).first()
        if report is None:
            report = AnnualReport(organization=current, year=year)
        elif report.status not in EDITABLE:
            raise _illegal(report, _("修改"))
        for key, value in cleaned.items():
            setattr(report, key, value)
        report.save()
        audit_record(
            actor=actor,
            action="orgs.annual_report.saved",
            target=report,
            data={"organization": current.pk, "year": year, "fields": sorted(cleaned)},
        )
    return report


def annual_report_submit(*, actor: Any, report: AnnualReport) -> AnnualReport:
    with transaction.atomic():
        current = c.locked(AnnualReport, actor, "fill", report.pk)
        if current.status not in EDITABLE:
            raise _illegal(current, _("提交"))
        missing = {
            field: [_("提交前请填写%(label)s") % {"label": label}]
            for field, label, _k, required in FIELDS
            if required and getattr(current, field) in (None, "")
        }
        if missing:
            raise ValidationFailed(missing)
        from_status = current.status
        current.status = ReportStatus.SUBMITTED
        current.submitted_at = timezone.now()
        current.submitted_by = actor
        current.save()
        audit_record(
            actor=actor,
            action="orgs.annual_report.submitted",
            target=current,
            data={"organization": current.organization_id, "year": current.year, "from": from_status},
        )
    return current


def annual_report_review(*, actor: Any, report: AnnualReport, result: str, note: str = "") -> AnnualReport:
    """The conclusion of the annual inspection: 合格, or 基本合格 / 不合格 with the reason."""
    errors: dict[str, list[str]] = {}
    if result not in ReportResult.values:
        errors["result"] = [_("请选择检查结论：合格、基本合格或不合格")]
    note = c.text(note, field="note", label=_("审核意见"), max_length=1000, errors=errors)
    if result in (ReportResult.BASIC, ReportResult.FAIL) and not note:
        errors["note"] = [_("结论为基本合格或不合格时，请写明原因和整改要求")]
    with transaction.atomic():
        current = c.locked(AnnualReport, actor, "review", report.pk)
        c.raise_if(errors)
        if current.status != ReportStatus.SUBMITTED:
            raise _illegal(current, _("审核"))
        current.status = ReportStatus.REVIEWED
        current.result = result
        current.review_note = note
        current.reviewed_at = timezone.now()
        current.reviewed_by = actor
        current.save()
        audit_record(
            actor=actor,
            action="orgs.annual_report.reviewed",
            target=current,
            data={"organization": current.organization_id, "year": current.year, "result": result},
        )
        c.tell(
            c.org_people(current.organization_id),
            actor=actor,
            kind="orgs.annual_report.reviewed",
            title=_("%(y)s 年度报告已审核：%(r)s") % {"y": current.year, "r": current.get_result_display()},
            body=note,
            target=current,
            url=f"/orgs/{current.organization_id}/reports/{current.year}/",
            key=f"annual-report:{current.pk}:reviewed:{current.reviewed_at.timestamp()}",
        )
    return current


def annual_report_return(*, actor: Any, report: AnnualReport, note: str) -> AnnualReport:
    """Back to the organization for correction (退回修改), with what to correct."""
    errors: dict[str, list[str]] = {}
    note = c.text(note, field="note", label=_("退回原因"), max_length=1000, required=True, errors=errors)
    with transaction.atomic():
        current = c.locked(AnnualReport, actor, "review", report.pk)
        c.raise_if(errors)
        if current.status != ReportStatus.SUBMITTED:
            raise _illegal(current, _("退回"))
        current.status = ReportStatus.RETURNED
        current.review_note = note
        current.save()
        audit_record(
            actor=actor,
            action="orgs.annual_report.returned",
            target=current,
            data={"organization": current.organization_id, "year": current.year},
        )
        c.tell(
            c.org_people(current.organization_id),
            actor=actor,
            kind="orgs.annual_report.returned",
            title=_("%(y)s 年度报告被退回，请修改后重新提交") % {"y": current.year},
            body=note,
            target=current,
            url=f"/orgs/{current.organization_id}/reports/{current.year}/",
            key=f"annual-report:{current.pk}:returned:{timezone.now().timestamp()}",
        )
    return current
