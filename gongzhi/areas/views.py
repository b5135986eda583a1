"""Web pages for the area tree: staff browse their areas and draw grids."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import can, get_for, grants_for
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import area_ancestors, area_children
from gongzhi.areas.services import grid_create
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.htmx import is_htmx

STAFF_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS, Role.DEPT_STAFF)


def _staff_only(request: HttpRequest) -> None:
    grants = grants_for(request.user)
    if not (grants.is_admin or grants.has_role(*STAFF_ROLES)):
        raise NotFound()


@login_required
def browse(request: HttpRequest) -> HttpResponse:
    """Start at the areas the user is responsible for."""
    _staff_only(request)
    grants = grants_for(request.user)
    ids = [s.area_id for s in grants.scopes if s.area_id and s.role in STAFF_ROLES]
    roots = Area.objects.filter(pk__in=ids) if ids else Area.objects.filter(parent__isnull=True)
    return render(request, "areas/browse.html", {"roots": roots.order_by("code")})


def _detail_context(request: HttpRequest, area: Area, **extra: object) -> dict[str, object]:
    return {
        "area": area,
        "ancestors": area_ancestors(area),
        "children": area_children(area),
        "can_create_grid": can(request.user, "create_grid", area),
        **extra,
    }


@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    _staff_only(request)
    area = get_for(Area.objects.all(), request.user, "view", code=code)
    return render(request, "areas/detail.html", _detail_context(request, area))


@login_required
@require_POST
def create_grid(request: HttpRequest, code: str) -> HttpResponse:
    _staff_only(request)
    area = get_for(Area.objects.all(), request.user, "create_grid", code=code)
    errors: list[str] = []
    try:
        grid_create(actor=request.user, community_code=area.code, name=request.POST.get("name", ""))
    except ValidationFailed as exc:
        errors = [str(m) for msgs in exc.errors.values() for m in msgs]
    if is_htmx(request):
        return render(
            request,
            "areas/_children.html",
            _detail_context(request, area, errors=errors),
            status=422 if errors else 200,
        )
    if errors:
        return render(request, "areas/detail.html", _detail_context(request, area, errors=errors), status=422)
    return redirect("areas:detail", code=area.code)
