"""Pages for the keepers of the register: civil affairs (registration, grades, import, export) and
street and community staff (filing of community groups)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import can, get_for, grants_for
from gongzhi.core.errors import ApplicationError, NotFound, ValidationFailed
from gongzhi.orgs import selectors as sel
from gongzhi.orgs import services as svc
from gongzhi.orgs.forms import EntryForm, GradeForm, apply_errors
from gongzhi.orgs.http import xlsx_response
from gongzhi.orgs.models import REGISTERED_TYPES, Organization, OrgStatus, OrgType
from gongzhi.orgs.policies import FILING_STAFF
from gongzhi.orgs.validators import credit_code_problem, describe_credit_code, normalize_credit_code
from gongzhi.orgs.views._helpers import flash_error, page_of, querystring, require_roles

ENTRY_SERVICES = {"register": svc.org_register, "file": svc.org_file, "incubate": svc.org_incubate}
ENTRY_TITLES = {
    "register": gettext_lazy("登记社会组织"),
    "file": gettext_lazy("社区社会组织备案"),
    "incubate": gettext_lazy("登记培育孵化组织"),
}
# verb → (service, button label, allowed from, needs a reason)
TRANSITIONS: dict[str, tuple[Any, Any, tuple[str, ...], bool]] = {
    "activate": (svc.org_activate, gettext_lazy("启用"), (OrgStatus.REGISTERED, OrgStatus.FILED), False),
    "abnormal": (
        svc.org_mark_abnormal,
        gettext_lazy("列入异常名录"),
        (OrgStatus.ACTIVE, OrgStatus.REGISTERED, OrgStatus.FILED),
        True,
    ),
    "suspend": (svc.org_suspend, gettext_lazy("暂停活动"), (OrgStatus.ACTIVE, OrgStatus.ABNORMAL), True),
    "restore": (svc.org_restore, gettext_lazy("恢复正常"), (OrgStatus.SUSPENDED, OrgStatus.ABNORMAL), True),
    "deregister": (
        svc.org_deregister,
        gettext_lazy("注销"),
        tuple(s for s in OrgStatus.values if s != OrgStatus.DEREGISTERED),
        True,
    ),
}


def _entry_modes(request: HttpRequest) -> list[tuple[str, Any]]:
    grants = grants_for(request.user)
    modes = []
    if grants.is_admin or grants.has_role(Role.CIVIL_AFFAIRS):
        modes.append(("register", ENTRY_TITLES["register"]))
    if grants.is_admin or grants.has_role(*FILING_STAFF):
        modes.append(("file", ENTRY_TITLES["file"]))
    if grants.is_admin or grants.has_role(Role.CIVIL_AFFAIRS, Role.STREET_STAFF):
        modes.append(("incubate", ENTRY_TITLES["incubate"]))
    return modes


@login_required
def registry(request: HttpRequest) -> HttpResponse:
    require_roles(request, *FILING_STAFF)
    g = request.GET
    filters = {"q": g.get("q", "").strip()[:100], "status": g.get("status", ""), "org_type": g.get("org_type", "")}
    qs = sel.registry_list(request.user, **filters)
    grants = grants_for(request.user)
    return render(
        request,
        "orgs/registry.html",
        {
            "page": page_of(request, qs, 30),
            "filters": filters,
            "qs": querystring(request),
            "statuses": OrgStatus.choices,
            "types": OrgType.choices,
            "modes": _entry_modes(request),
            "civil_affairs": grants.is_admin or grants.has_role(Role.CIVIL_AFFAIRS),
        },
    )


@login_required
def entry(request: HttpRequest) -> HttpResponse:
    """Register, file or incubate a new organization; or register/file one leaving incubation (?org=)."""
    mode = request.POST.get("mode") or request.GET.get("mode") or "register"
    if mode not in dict(_entry_modes(request)):
        raise NotFound()
    org_id = request.POST.get("org") or request.GET.get("org")
    org = get_for(Organization.objects.all(), request.user, "registry", pk=org_id) if org_id else None
    if org is not None and (mode == "incubate" or org.status != OrgStatus.INCUBATING):
        raise NotFound()
    form = EntryForm(request.POST or None, user=request.user, mode=mode, incubating=org is not None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            kwargs = form.service_kwargs()
            if org is not None:
                kwargs["org"] = org
            try:
                created = ENTRY_SERVICES[mode](actor=request.user, **kwargs)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("“%(name)s”已%(done)s") % {"name": created.name, "done": created.get_status_display()}
                )
                return redirect("orgs:record", pk=created.pk)
        status = 422
    return render(
        request,
        "orgs/entry.html",
        {"form": form, "mode": mode, "title": ENTRY_TITLES[mode], "org": org, "modes": _entry_modes(request)},
        status=status,
    )


@login_required
@require_POST
def check_code(request: HttpRequest) -> HttpResponse:
    """The credit code checked as it is typed (HTMX): which part is wrong, or what the parts say."""
    require_roles(request, *FILING_STAFF)
    raw = request.POST.get("credit_code", "")
    problem = credit_code_problem(raw) if raw.strip() else None
    parts = describe_credit_code(raw) if raw.strip() and problem is None else None
    return render(
        request, "orgs/_code_check.html", {"problem": problem, "parts": parts, "normalized": normalize_credit_code(raw)}
    )


@login_required
def import_register(request: HttpRequest) -> HttpResponse:
    require_roles(request, Role.CIVIL_AFFAIRS)
    result, status = None, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed({"file": [_("请选择要导入的 Excel 文件")]})
            result = svc.registry_import(actor=request.user, upload=upload)
        except ValidationFailed as exc:
            messages.error(request, exc.message)
            status = 422
        else:
            if result.ok:
                messages.success(request, _("已导入 %(n)s 个组织") % {"n": result.created})
                return redirect("orgs:registry")
            status = 422
    return render(request, "orgs/import.html", {"result": result}, status=status)


@login_required
def export_register(request: HttpRequest) -> HttpResponse:
    require_roles(request, Role.CIVIL_AFFAIRS)
    qs = sel.registry_list(request.user, status=request.GET.get("status", ""), org_type=request.GET.get("org_type", ""))
    data = svc.registry_export(actor=request.user, queryset=qs)
    return xlsx_response(data, f"社会组织名录-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """The organization's file (档案): history, issues, grades, reports, and what staff may do next."""
    org = get_for(
        sel.with_current_grade(Organization.objects.select_related("home_area")), request.user, "record", pk=pk
    )
    action = "supervise" if org.org_type in REGISTERED_TYPES else "file"
    may_act = can(request.user, action, org)
    transitions = [
        (verb, label, needs_reason)
        for verb, (_svc, label, allowed, needs_reason) in TRANSITIONS.items()
        if may_act and org.status in allowed
    ]
    grades = sel.org_grades(request.user, org)
    return render(
        request,
        "orgs/record.html",
        {
            "org": org,
            "history": sel.org_history(request.user, org),
            "issues": sel.org_issues(org),
            "grades": grades,
            "reports": sel.org_reports(request.user, org),
            "members": sel.org_members(request.user, org),
            "transitions": transitions,
            "can_grade": can(request.user, "supervise", org)
            and org.status not in (OrgStatus.INCUBATING, OrgStatus.DEREGISTERED),
            "grade_form": GradeForm(initial={"awarded_on": timezone.localdate()}),
            "can_enter": org.status == OrgStatus.INCUBATING and can(request.user, "registry", org),
            "modes": [m for m in _entry_modes(request) if m[0] != "incubate"],
        },
    )


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in TRANSITIONS:
        raise NotFound()
    org = get_for(Organization.objects.all(), request.user, "registry", pk=pk)
    service, label, _allowed, _needs = TRANSITIONS[verb]
    try:
        service(actor=request.user, org=org, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        flash_error(request, exc)
    else:
        messages.success(request, _("已办理：%(label)s") % {"label": label})
    return redirect("orgs:record", pk=org.pk)


@login_required
@require_POST
def grade(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_for(Organization.objects.all(), request.user, "supervise", pk=pk)
    form = GradeForm(request.POST)
    if not form.is_valid():
        for msgs in form.errors.values():
            for m in msgs:
                messages.error(request, m)
        return redirect("orgs:record", pk=org.pk)
    try:
        award = svc.org_set_grade(actor=request.user, org=org, **form.cleaned_data)
    except ValidationFailed as exc:
        flash_error(request, exc)
    else:
        messages.success(
            request, _("已评定为 %(g)sA，有效期至 %(d)s") % {"g": award.grade, "d": award.valid_until.isoformat()}
        )
    return redirect("orgs:record", pk=org.pk)
