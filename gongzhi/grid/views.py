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
from gongzhi.orders.models import Category


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
@require_POST
def report(request: HttpRequest, patrol_id: int, finding_id: int) -> HttpResponse:
    item = selectors.patrol(request.user, patrol_id)
    try:
        services.finding_to_order(
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
