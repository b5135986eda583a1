"""Web pages: the staff dashboard (统计), the public leaderboards (排行榜), hot-spot warnings, annual points.

Views are thin: selectors compute, templates draw; charts are drawn in the browser by Apache ECharts from
our own static files, from the same tables the exports write. Filter changes are fetched with HTMX and
only the results are swapped. Export links call the API (session-authenticated) with format=xlsx|csv.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.permissions import grants_for
from gongzhi.core.errors import ApplicationError, NotFound, ValidationFailed
from gongzhi.core.htmx import is_htmx
from gongzhi.insights import conf, selectors, services
from gongzhi.insights.models import WarningStatus
from gongzhi.orders.models import State

FILTER_KEYS = ("period", "area", "category", "org_type")


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip() for k in FILTER_KEYS if request.GET.get(k, "").strip()}


def _filter_kwargs(params: dict[str, str]) -> dict[str, Any]:
    return {
        "period": params.get("period"),
        "area": params.get("area"),
        "category": params.get("category"),
        "org_type": params.get("org_type"),
    }


def _export_links(base: str, params: dict[str, str], table: str) -> dict[str, str]:
    return {fmt: f"{base}{table}?{urlencode({**params, 'format': fmt})}" for fmt in ("xlsx", "csv")}


def _chart_data(tables: dict[str, selectors.Table]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if "series" in tables:
        rows = tables["series"].rows
        states = [s for s in State if any(r[s.value] for r in rows)]
        data["series"] = {
            "months": [r["month"] for r in rows],
            "states": [{"name": str(s.label), "data": [r[s.value] for r in rows]} for s in states],
            "posted_label": _("需求数"),
        }
    for name, value, label in (
        ("categories", "posted", _("需求数")),
        ("areas", "posted", _("需求数")),
        ("accepted", "accepted", _("接单数")),
        ("praise", "smoothed_rating", _("平滑评分")),
    ):
        if name in tables:
            rows = tables[name].rows[:12]
            key = "category" if name == "categories" else "area" if name == "areas" else "org"
            data[name] = {"labels": [r[key] for r in rows], "values": [r[value] for r in rows], "label": label}
    return data


def _choices(request: HttpRequest, params: dict[str, str], areas: list[Any] | None = None) -> dict[str, Any]:
    filters = selectors.public_boards_filters(request.user)
    periods = selectors.period_choices()
    if params.get("period") and params["period"] not in {v for v, _label in periods}:
        periods.append((params["period"], params["period"]))  # a period typed into the address bar
    return {
        "period_choices": periods,
        "area_choices": filters["areas"] if areas is None else areas,
        "category_choices": filters["categories"],
        "org_type_choices": filters["org_types"],
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """统计: the staff member's area at a glance — trends, categories, areas, leaderboards, rates, warnings."""
    params = _params(request)
    areas = selectors.dashboard_areas(request.user)  # 404 for anyone without a staff area
    context: dict[str, Any] = {"params": params, "error": "", **_choices(request, params, areas)}
    status = 200
    try:
        board = selectors.dashboard(request.user, **_filter_kwargs(params))
    except ValidationFailed as exc:
        context["error"], status = str(exc.message), 422
    else:
        links = {
            name: _export_links("/api/v1/insights/dashboard/", params, name) for name in selectors.DASHBOARD_TABLES
        }
        context.update(
            board=board,
            figures=board.figures,
            tables=board.tables,
            links=links,
            fast_minutes=conf.fast_minutes(),
            charts=_chart_data(board.tables),
            described=board.as_dict()["filters"],
        )
    template = "insights/_dashboard_results.html" if is_htmx(request) else "insights/dashboard.html"
    return render(request, template, context, status=status)


def leaderboards(request: HttpRequest) -> HttpResponse:
    """排行榜: categories by need volume, organizations by orders taken on and by smoothed rating."""
    params = _params(request)
    context: dict[str, Any] = {"params": params, "error": "", **_choices(request, params)}
    status = 200
    try:
        boards = {
            kind: selectors.leaderboard(request.user, kind, **_filter_kwargs(params)) for kind in selectors.BOARDS
        }
    except ValidationFailed as exc:
        context["error"], status = str(exc.message), 422
    else:
        context.update(
            tables=boards,
            charts=_chart_data(boards),
            links={k: _export_links("/api/v1/insights/leaderboards/", params, k) for k in boards},
            described=boards["categories"].meta,
        )
    template = "insights/_leaderboard_results.html" if is_htmx(request) else "insights/leaderboards.html"
    return render(request, template, context, status=status)


# ---- warnings -----------------------------------------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    selectors.dashboard_areas(request.user)


@login_required
def warnings(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    status = request.GET.get("status", WarningStatus.OPEN)
    if status not in WarningStatus.values:
        status = WarningStatus.OPEN
    items = list(selectors.warning_list(request.user, status=status)[:200])
    return render(
        request, "insights/warnings.html", {"items": items, "status": status, "statuses": WarningStatus.choices}
    )


@login_required
def warning(request: HttpRequest, warning_id: int) -> HttpResponse:
    w = selectors.warning_detail(request.user, warning_id)
    orders = list(selectors.warning_orders(request.user, w)[:200])
    return render(request, "insights/warning.html", {"w": w, "orders": orders, "error": ""})


@login_required
@require_POST
def warning_handle(request: HttpRequest, warning_id: int) -> HttpResponse:
    try:
        services.warning_handle(actor=request.user, warning_id=warning_id, note=request.POST.get("note", ""))
    except NotFound:
        raise
    except ApplicationError as exc:
        w = selectors.warning_detail(request.user, warning_id)
        orders = list(selectors.warning_orders(request.user, w)[:200])
        return render(
            request,
            "insights/warning.html",
            {"w": w, "orders": orders, "error": str(exc.message), "note": request.POST.get("note", "")},
            status=exc.status,
        )
    messages.success(request, _("预警已处置"))
    return redirect("insights:warning", warning_id=warning_id)


# ---- points -------------------------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or selectors.points_default_year())
    except ValueError:
        return selectors.points_default_year()


@login_required
def points(request: HttpRequest) -> HttpResponse:
    """年度评价积分: the ranking of a year (frozen if it was frozen, else provisional), and the formula."""
    year = _year(request)
    ranking = selectors.points_ranking(request.user, year)
    this = timezone.localdate().year
    return render(
        request,
        "insights/points.html",
        {
            "ranking": ranking,
            "year": year,
            "years": list(range(this, this - 6, -1)),
            "mine": grants_for(request.user).organization_ids(),
        },
    )


@login_required
def org_points(request: HttpRequest, year: int, org_id: int) -> HttpResponse:
    """One organization's points, item by item: basis, rule and points of each."""
    entry = selectors.org_points(request.user, org_id=org_id, year=year)
    return render(request, "insights/org_points.html", {"entry": entry, "year": year})
