"""The organization's own console: profile, what needs attention, annual reports, members, catalogue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.permissions import get_for
from gongzhi.core.errors import ApplicationError, ValidationFailed
from gongzhi.orgs import selectors as sel
from gongzhi.orgs import services as svc
from gongzhi.orgs.forms import InviteForm, OfferForm, ProfileForm, VolunteerForm, apply_errors
from gongzhi.orgs.models import Membership, Organization, ServiceOffer
from gongzhi.orgs.views._helpers import flash_error


def _org(request: HttpRequest, pk: int) -> Organization:
    return get_for(
        sel.with_current_grade(Organization.objects.select_related("home_area")), request.user, "change", pk=pk
    )


@login_required
def console(request: HttpRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    form = ProfileForm(request.POST or None, initial={f: getattr(org, f) for f in ProfileForm.base_fields})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                svc.org_update_profile(actor=request.user, org=org, **form.cleaned_data)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("资料已更新"))
                return redirect("orgs:console", pk=org.pk)
        status = 422
    last_year = timezone.localdate().year - 1
    reports = {r.year: r for r in sel.org_reports(request.user, org)}
    first = org.registered_on.year if org.registered_on else last_year
    years = [y for y in range(last_year, max(first, last_year - 2) - 1, -1)]
    return render(
        request,
        "orgs/console.html",
        {
            "org": org,
            "form": form,
            "issues": sel.org_issues(org),
            "report_rows": [(y, reports.get(y)) for y in years]
            + [(y, r) for y, r in reports.items() if y not in years],
            "offers": sel.org_offers(request.user, org),
        },
        status=status,
    )


@login_required
def members(request: HttpRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    invite = InviteForm(request.POST if request.POST.get("form") == "invite" else None)
    volunteer = VolunteerForm(request.POST if request.POST.get("form") == "volunteer" else None)
    status = 200
    if request.method == "POST":
        form = invite if request.POST.get("form") == "invite" else volunteer
        if form.is_valid():
            try:
                if form is invite:
                    svc.member_invite(actor=request.user, org=org, **form.cleaned_data)
                else:
                    svc.member_add_volunteer(actor=request.user, org=org, **form.cleaned_data)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("已添加"))
                return redirect("orgs:members", pk=org.pk)
        status = 422
    return render(
        request,
        "orgs/members.html",
        {
            "org": org,
            "members": sel.org_members(request.user, org),
            "invite": invite,
            "volunteer": volunteer,
        },
        status=status,
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_for(Membership.objects.all(), request.user, "manage", pk=membership_id)
    try:
        svc.member_remove(actor=request.user, membership=membership)
    except ApplicationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已移除“%(name)s”") % {"name": membership.name})
    return redirect("orgs:members", pk=membership.organization_id)


@login_required
def offers(request: HttpRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    form = OfferForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                svc.offer_create(actor=request.user, org=org, **form.service_kwargs())
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("服务项目已发布"))
                return redirect("orgs:offers", pk=org.pk)
        status = 422
    return render(
        request,
        "orgs/offers.html",
        {
            "org": org,
            "form": form,
            "offers": sel.org_offers(request.user, org),
            # Category names, not codes (counseling, elderly_care) that leaked English onto the page.
            "category_names": {code: str(name).lstrip("　└ ") for code, name in form.fields["category_code"].choices},
        },
        status=status,
    )


@login_required
@require_POST
def offer_toggle(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = get_for(ServiceOffer.objects.all(), request.user, "manage", pk=offer_id)
    try:
        svc.offer_update(actor=request.user, offer=offer, active=not offer.active)
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("orgs:offers", pk=offer.organization_id)
