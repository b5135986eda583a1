"""The grid worker's phone pages: my grids and today's patrols, the patrol form, a patrol's findings with a
one-tap report of each finding as an order (网格上报)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for
from gongzhi.core.errors import ApplicationError, NotFound, ValidationFailed
from gongzhi.grid import selectors, services
from gongzhi.grid.transitions import MACHINE
from gongzhi.orders.models import Category

STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)


def _worker(request: HttpRequest) -> None:
    if not grants_for(request.user).has_role(Role.GRID_WORKER):
        raise NotFound()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _worker(request)
    today = timezone.localdate()
    context = {
        "grids": list(selectors.my_grids(request.user)),
        "today": [
            p
            for p in selectors.patrols(request.user).filter(worker_id=request.user.pk)[:20]
            if timezone.localtime(p.started_at).date() == today
        ],
        "slots": range(3),
    }
    if request.method == "POST":
        try:
            patrol = services.patrol_record(
                actor=request.user,
                grid=request.POST.get("grid", ""),
                route_notes=request.POST.get("route_notes", ""),
                findings=request.POST.getlist("finding"),
            )
        except ValidationFailed as refused:
            context["error"] = refused.message
            return render(request, "grid/home.html", context, status=422)
        return redirect("grid:patrol", patrol_id=patrol.pk)
    return render(request, "grid/home.html", context)


@login_required
def patrol(request: HttpRequest, patrol_id: int) -> HttpResponse:
    item = selectors.patrol(request.user, patrol_id)
    categories = Category.objects.filter(active=True).order_by("sort", "code")
    return render(
        request, "grid/patrol.html", {"patrol": item, "categories": categories, "error": request.GET.get("error", "")}
    )


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    items = list(selectors.events(request.user)[:100])
    if not items and not grants_for(request.user).has_role(*STAFF):
        raise NotFound()
    rows = [(e, [(a, MACHINE[a]) for a in MACHINE.allowed(request.user, e)]) for e in items]
    return render(request, "grid/events.html", {"rows": rows, "error": request.GET.get("error", "")})


@login_required
@require_POST
def event_action(request: HttpRequest, event_id: int, action: str) -> HttpResponse:
    try:
        services.event_act(actor=request.user, event_id=event_id, action=action, note=request.POST.get("note", ""))
    except ApplicationError as refused:
        if refused.status == 404:
            raise
        rows = [
            (e, [(a, MACHINE[a]) for a in MACHINE.allowed(request.user, e)])
            for e in selectors.events(request.user)[:100]
        ]
        return render(request, "grid/events.html", {"rows": rows, "error": refused.message}, status=refused.status)
    return redirect("grid:events")


@login_required
@require_POST
def report(request: HttpRequest, patrol_id: int, finding_id: int) -> HttpResponse:
    item = selectors.patrol(request.user, patrol_id)
    try:
        as_event = request.POST.get("as") == "event"
        (services.finding_to_event if as_event else services.finding_to_order)(
            actor=request.user,
            finding_id=finding_id,
            category=request.POST.get("category", ""),
            title=request.POST.get("title", ""),
        )
    except ApplicationError as refused:
        if refused.status == 404:
            raise
        categories = Category.objects.filter(active=True).order_by("sort", "code")
        return render(
            request,
            "grid/patrol.html",
            {"patrol": item, "categories": categories, "error": refused.message},
            status=refused.status,
        )
    return redirect("grid:patrol", patrol_id=item.pk)
