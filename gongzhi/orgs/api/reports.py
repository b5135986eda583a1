"""Annual report endpoints: the organization fills and submits, civil affairs staff review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gongzhi.accounts.permissions import get_for
from gongzhi.orgs import selectors as sel
from gongzhi.orgs import services as svc
from gongzhi.orgs.api import schemas as s
from gongzhi.orgs.api.orgs import router
from gongzhi.orgs.models import AnnualReport, Organization


def _report(request: HttpRequest, report_id: int, action: str) -> AnnualReport:
    return get_for(AnnualReport.objects.select_related("organization"), request.user, action, pk=report_id)


@router.get("/{int:org_id}/reports", response=list[s.ReportOut], summary="本组织的年度报告")
def reports(request: HttpRequest, org_id: int) -> list[dict[str, Any]]:
    org = get_for(Organization.objects.all(), request.user, "record", pk=org_id)
    return [s.report_out(r) for r in sel.org_reports(request.user, org).select_related("organization")]


@router.put("/{int:org_id}/reports/{int:year}", response=s.ReportOut, summary="填写或修改年度报告（草稿）")
def save_report(request: HttpRequest, org_id: int, year: int, payload: s.ReportIn) -> dict[str, Any]:
    org = get_for(Organization.objects.all(), request.user, "change", pk=org_id)
    report = svc.annual_report_save(actor=request.user, org=org, year=year, **payload.dict(exclude_unset=True))
    return s.report_out(report)


@router.post("/{int:org_id}/reports/{int:year}/submit", response=s.ReportOut, summary="提交年度报告")
def submit_report(request: HttpRequest, org_id: int, year: int) -> dict[str, Any]:
    report = get_for(
        AnnualReport.objects.select_related("organization"), request.user, "fill", organization_id=org_id, year=year
    )
    return s.report_out(svc.annual_report_submit(actor=request.user, report=report))


@router.get("/reports/review", response=list[s.ReportOut], summary="待审核的年度报告（民政局）")
def review_queue(request: HttpRequest, year: int | None = None, status: str = "submitted") -> list[dict[str, Any]]:
    return [s.report_out(r) for r in sel.reports_to_review(request.user, status=status, year=year)[:500]]


@router.get("/reports/{int:report_id}", response=s.ReportOut, summary="年度报告详情")
def report_detail(request: HttpRequest, report_id: int) -> dict[str, Any]:
    return s.report_out(_report(request, report_id, "view"))


@router.post("/reports/{int:report_id}/review", response=s.ReportOut, summary="审核：合格 / 基本合格 / 不合格")
def review(request: HttpRequest, report_id: int, payload: s.ReviewIn) -> dict[str, Any]:
    report = svc.annual_report_review(
        actor=request.user, report=_report(request, report_id, "review"), result=payload.result, note=payload.note
    )
    return s.report_out(report)


@router.post("/reports/{int:report_id}/return", response=s.ReportOut, summary="退回修改")
def return_report(request: HttpRequest, report_id: int, payload: s.NoteIn) -> dict[str, Any]:
    report = svc.annual_report_return(
        actor=request.user, report=_report(request, report_id, "review"), note=payload.note
    )
    return s.report_out(report)
