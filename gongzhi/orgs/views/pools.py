"""Pages of the talent pool (人才库) and the resource pool (资源库) with its booking calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import can, get_for, grants_for, restrict
from gongzhi.core.dates import parse_day
from gongzhi.core.errors import ApplicationError, NotFound, ValidationFailed
from gongzhi.orgs import selectors as sel
from gongzhi.orgs import services as svc
from gongzhi.orgs.forms import BookingForm, ResourceForm, TalentForm, apply_errors, area_choices
from gongzhi.orgs.models import Booking, Department, Organization, ResourceKind, Skill, Talent, TalentKind
from gongzhi.orgs.models import Resource as ResourceModel
from gongzhi.orgs.policies import AREA_STAFF, POOL_STAFF
from gongzhi.orgs.services.resources import OWNER_ROLES
from gongzhi.orgs.views._helpers import flash_error, page_of, querystring, require_roles

TALENT_ROLES = (*POOL_STAFF, Role.ORG_ADMIN, Role.ORG_MEMBER)


def _my_orgs(request: HttpRequest, *roles: str) -> Any:
    ids = grants_for(request.user).organization_ids(*roles)
    return restrict(Organization.objects.filter(pk__in=ids), request.user, "view").order_by("name")


def _may_enter_talent(request: HttpRequest) -> bool:
    grants = grants_for(request.user)
    return grants.is_admin or grants.has_role(*AREA_STAFF, Role.ORG_ADMIN)


# ---- talents ------------------------------------------------------------------------------------------


@login_required
def talent_list(request: HttpRequest) -> HttpResponse:
    require_roles(request, *TALENT_ROLES)
    g = request.GET
    filters = {
        "skill": g.get("skill", ""),
        "area": g.get("area", ""),
        "q": g.get("q", "").strip()[:50],
        "kind": g.get("kind", ""),
    }
    qs = sel.talent_search(
        request.user,
        skill=filters["skill"],
        area_code=filters["area"],
        q=filters["q"],
        kind=filters["kind"],
        available_only=g.get("available") == "1",
    )
    return render(
        request,
        "orgs/talent_list.html",
        {
            "page": page_of(request, qs, 30),
            "filters": filters,
            "qs": querystring(request),
            "skills": Skill.choices,
            "kinds": TalentKind.choices,
            "areas": area_choices(request.user, everywhere=True, blank=""),
            "may_enter": _may_enter_talent(request),
        },
    )


@login_required
def talent_new(request: HttpRequest) -> HttpResponse:
    if not _may_enter_talent(request):
        raise NotFound()
    form = TalentForm(request.POST or None, user=request.user, orgs=_my_orgs(request, Role.ORG_ADMIN))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                talent = svc.talent_create(actor=request.user, **form.service_kwargs())
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("已录入人才库"))
                return redirect("talents:detail", pk=talent.pk)
        status = 422
    return render(request, "orgs/talent_form.html", {"form": form}, status=status)


@login_required
def talent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    talent = get_for(Talent.objects.select_related("area", "organization"), request.user, "view", pk=pk)
    revealed = None
    if request.method == "POST":
        revealed = svc.talent_reveal(actor=request.user, talent=talent)
    return render(
        request,
        "orgs/talent_detail.html",
        {"talent": talent, "revealed": revealed, "can_reveal": can(request.user, "reveal", talent)},
    )


# ---- resources ----------------------------------------------------------------------------------------


def _owner_choices(request: HttpRequest) -> list[tuple[str, Any, Any]]:
    grants = grants_for(request.user)
    owners: list[tuple[str, Any, Any]] = []
    if grants.is_admin or grants.has_role(Role.COMMUNITY_WORKER, Role.STREET_STAFF):
        owners.append(("area", _("本社区/街道（含驻区单位）"), None))
    owners += [(f"org-{o.pk}", o.name, o) for o in _my_orgs(request, Role.ORG_ADMIN)]
    departments = Department.objects.filter(pk__in=grants.department_ids()).order_by("name")
    owners += [(f"dept-{d.pk}", d.name, d) for d in departments]
    return owners


@login_required
def resource_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    filters = {"kind": g.get("kind", ""), "area": g.get("area", ""), "q": g.get("q", "").strip()[:50]}
    qs = sel.resource_search(request.user, kind=filters["kind"], area_code=filters["area"], q=filters["q"])
    grants = grants_for(request.user)
    return render(
        request,
        "orgs/resource_list.html",
        {
            "page": page_of(request, qs, 30),
            "filters": filters,
            "qs": querystring(request),
            "kinds": ResourceKind.choices,
            "areas": area_choices(request.user, everywhere=True, blank=""),
            "may_offer": grants.is_admin or grants.has_role(*OWNER_ROLES),
            "to_decide": sel.bookings_to_decide(request.user).count(),
        },
    )


@login_required
def resource_new(request: HttpRequest) -> HttpResponse:
    owners = _owner_choices(request)
    if not owners:
        raise NotFound()
    form = ResourceForm(request.POST or None, user=request.user, owners=owners)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                resource = svc.resource_create(actor=request.user, **form.service_kwargs())
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("资源已登记，可供预约"))
                return redirect("resources:detail", pk=resource.pk)
        status = 422
    return render(request, "orgs/resource_form.html", {"form": form}, status=status)


def _monday(request: HttpRequest) -> date:
    return sel.week_start(parse_day(request.GET.get("week"), timezone.localdate()))


@login_required
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The week calendar and the booking form; a booked half hour cannot be booked again."""
    resource = get_for(
        ResourceModel.objects.select_related("area", "owner_org", "owner_department"), request.user, "view", pk=pk
    )
    form = BookingForm(request.POST or None, orgs=_my_orgs(request))
    status = 200
    if request.method == "POST" and resource.bookable:
        if form.is_valid():
            try:
                booking = svc.booking_request(actor=request.user, resource=resource, **form.service_kwargs())
            except ValidationFailed as exc:
                apply_errors(form, exc)
                status = 422
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status
            else:
                messages.success(request, _("预约已提交：%(state)s") % {"state": booking.get_status_display()})
                return redirect(f"{request.path}?week={sel.week_start(timezone.localdate(booking.start))}")
        else:
            status = 422
    return render(
        request,
        "orgs/resource_detail.html",
        {
            "week": sel.resource_week(request.user, resource, _monday(request)),
            "resource": resource,
            "form": form,
            "can_manage": can(request.user, "manage", resource),
        },
        status=status,
    )


@login_required
def bookings(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "orgs/bookings.html",
        {
            "mine": sel.bookings_mine(request.user)[:100],
            "to_decide": sel.bookings_to_decide(request.user)[:100],
        },
    )


BOOKING_ACTIONS = {
    "approve": ("decide", svc.booking_approve),
    "reject": ("decide", svc.booking_reject),
    "cancel": ("cancel", None),
}


@login_required
@require_POST
def booking_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in BOOKING_ACTIONS:
        raise NotFound()
    permission, service = BOOKING_ACTIONS[action]
    booking = get_for(Booking.objects.all(), request.user, permission, pk=pk)
    try:
        if service is None:
            svc.booking_cancel(actor=request.user, booking=booking)
        else:
            service(actor=request.user, booking=booking, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已办理"))
    return redirect("resources:bookings")
