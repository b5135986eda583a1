"""Annual report pages: the organization's form, the civil affairs review queue and review page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import can, get_for
from gongzhi.core.errors import ApplicationError, ValidationFailed
from gongzhi.orgs import selectors as sel
from gongzhi.orgs import services as svc
from gongzhi.orgs.forms import ReportForm, ReviewForm, apply_errors
from gongzhi.orgs.models import AnnualReport, Organization, ReportStatus
from gongzhi.orgs.services.reports import EDITABLE
from gongzhi.orgs.views._helpers import require_roles


@login_required
def report_form(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """The organization fills its report; "保存" keeps a draft, "提交" sends it for review."""
    org = get_for(Organization.objects.all(), request.user, "change", pk=pk)
    report = AnnualReport.objects.filter(organization=org, year=year).first()
    initial = {f: getattr(report, f) for f in ReportForm.base_fields} if report else {}
    form = ReportForm(request.POST or None, initial=initial)
    editable = report is None or report.status in EDITABLE
    status = 200
    if request.method == "POST" and editable:
        if form.is_valid():
            try:
                report = svc.annual_report_save(actor=request.user, org=org, year=year, **form.cleaned_data)
                if request.POST.get("action") == "submit":
                    report = svc.annual_report_submit(actor=request.user, report=report)
                    messages.success(request, _("%(year)s 年度报告已提交，请等待民政局审核") % {"year": year})
                    return redirect("orgs:console", pk=org.pk)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("草稿已保存"))
                return redirect("orgs:report_form", pk=org.pk, year=year)
        status = 422
    elif request.method == "POST":
        form.add_error(None, _("%(year)s 年度报告已提交，不能再修改") % {"year": year})
        status = 409
    return render(
        request,
        "orgs/report_form.html",
        {"org": org, "year": year, "report": report, "form": form, "editable": editable},
        status=status,
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    require_roles(request, Role.CIVIL_AFFAIRS)
    return render(
        request,
        "orgs/review_queue.html",
        {
            "submitted": sel.reports_to_review(request.user)[:200],
            "reviewed": sel.reports_to_review(request.user, status=ReportStatus.REVIEWED).order_by("-reviewed_at")[:20],
        },
    )


@login_required
def report(request: HttpRequest, report_id: int) -> HttpResponse:
    """A report as filed; civil affairs staff conclude it here (合格 / 基本合格 / 不合格) or send it back."""
    current = get_for(AnnualReport.objects.select_related("organization"), request.user, "view", pk=report_id)
    may_review = current.status == ReportStatus.SUBMITTED and can(request.user, "review", current)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        current = get_for(AnnualReport.objects.select_related("organization"), request.user, "review", pk=report_id)
        try:
            if request.POST.get("action") == "return":
                svc.annual_report_return(actor=request.user, report=current, note=request.POST.get("note", ""))
                messages.success(request, _("已退回修改"))
                return redirect("orgs:review_queue")
            if form.is_valid():
                svc.annual_report_review(actor=request.user, report=current, **form.cleaned_data)
                messages.success(
                    request,
                    _("%(org)s %(year)s 年度报告审核完成") % {"org": current.organization.name, "year": current.year},
                )
                return redirect("orgs:review_queue")
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        status = 422
    return render(
        request, "orgs/report.html", {"report": current, "form": form, "may_review": may_review}, status=status
    )
