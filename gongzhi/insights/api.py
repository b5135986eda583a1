"""Insight endpoints: leaderboards, the dashboard and its tables (JSON, Excel, CSV), hot-spot warnings, points.

Handlers check nothing themselves: each calls one selector or service, which go through the permission
chokepoint; domain errors become HTTP in gongzhi.core.api_errors.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.core.api_render import json_response
from gongzhi.insights import selectors, services
from gongzhi.insights.exports import download

router = Router(tags=["统计与评价 insights"])

Format = Literal["json", "xlsx", "csv"]


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class TableOut(Schema):
    name: str
    title: str
    note: str
    total_rows: int
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    meta: dict[str, Any] = {}


class BoardFilters(Schema):
    period: str | None = Field(None, description="2026、2026-Q3、2026-05 或 2026-01:2026-06；默认今年")
    area: str | None = Field(None, description="区划代码（排行榜：区县或街道；统计：本人辖区内任一区域）")
    category: str | None = Field(None, description="服务类别代码（含其子类别）")
    org_type: str | None = Field(
        None, description="组织类型：social_group、service_institution、foundation、community_group"
    )
    limit: int | None = Field(None, ge=1, le=500, description="最多返回多少行（默认 20）")
    format: Format = "json"


def _out(table: selectors.Table, fmt: str) -> Any:
    if fmt in ("xlsx", "csv"):
        return download(table, fmt)
    return {**table.as_dict(), "meta": table.meta}


@router.get(
    "/leaderboards/{kind}", response={200: TableOut}, summary="排行榜：categories 类别、accepted 接单、praise 好评"
)
def leaderboard(request: HttpRequest, kind: str, filters: Query[BoardFilters]) -> Any:
    table = selectors.leaderboard(
        request.user,
        kind,
        area=filters.area,
        period=filters.period,
        category=filters.category,
        org_type=filters.org_type,
        limit=filters.limit,
    )
    return _out(table, filters.format)


class DashboardOut(Schema):
    filters: dict[str, Any]
    figures: dict[str, Any]
    tables: dict[str, TableOut]


@router.get("/dashboard", response=DashboardOut, summary="统计：本人辖区的趋势、类别、区域、排行、指标、预警与超期")
def dashboard(request: HttpRequest, filters: Query[BoardFilters]) -> Any:
    board = selectors.dashboard(
        request.user,
        area=filters.area,
        period=filters.period,
        category=filters.category,
        org_type=filters.org_type,
        limit=filters.limit,
    ).as_dict()
    # Rendered without a second validation: the selectors build the tables to DashboardOut (a test holds
    # them to it), and validating a hundred rows again on every call costs a tenth of the request.
    return json_response(request, board, status=200)


@router.get("/dashboard/{table}", response={200: TableOut}, summary="统计中的一张表（format=xlsx 或 csv 导出全部行）")
def dashboard_table(request: HttpRequest, table: str, filters: Query[BoardFilters]) -> Any:
    limit = filters.limit if filters.format == "json" else selectors.MAX_LIMIT
    board = selectors.dashboard(
        request.user,
        area=filters.area,
        period=filters.period,
        category=filters.category,
        org_type=filters.org_type,
        only=table,
        limit=limit,
    )
    return _out(board.tables[table], filters.format)


# ---- warnings -------------------------------------------------------------------------------------------


class WarningOut(Schema):
    id: int
    area: str
    area_code: str
    category: str
    status: str
    recent: int
    weekly: list[int]
    baseline_mean: float
    baseline_sd: float
    threshold: float
    window_start: str
    window_end: str
    raised_at: str
    handled_at: str | None
    handle_note: str
    orders: list[int] = []


def _warning(w: Any, orders: list[int] | None = None) -> dict[str, Any]:
    return {
        "id": w.pk,
        "area": w.area.display_name,
        "area_code": w.area.code,
        "category": w.category.name,
        "status": w.status,
        "recent": w.recent,
        "weekly": w.weekly,
        "baseline_mean": w.baseline_mean,
        "baseline_sd": w.baseline_sd,
        "threshold": w.threshold,
        "window_start": w.window_start.isoformat(),
        "window_end": w.window_end.isoformat(),
        "raised_at": w.raised_at.isoformat(),
        "handled_at": w.handled_at.isoformat() if w.handled_at else None,
        "handle_note": w.handle_note,
        "orders": orders or [],
    }


@router.get("/warnings", response=list[WarningOut], summary="热点预警（status=open 待处置 / handled 已处置 / all）")
def warnings(request: HttpRequest, status: Literal["open", "handled", "all"] = "open") -> Any:
    return [_warning(w) for w in selectors.warning_list(request.user, status=None if status == "all" else status)[:200]]


@router.get("/warnings/{warning_id}", response=WarningOut, summary="热点预警详情（含相关需求编号）")
def warning(request: HttpRequest, warning_id: int) -> Any:
    w = selectors.warning_detail(request.user, warning_id)
    return _warning(w, list(selectors.warning_orders(request.user, w).values_list("pk", flat=True)))


class HandleIn(Schema):
    note: str = Field(..., description="处置情况")


@router.post("/warnings/{warning_id}/handle", response=WarningOut, summary="处置热点预警")
def handle(request: HttpRequest, warning_id: int, payload: HandleIn) -> Any:
    return _warning(services.warning_handle(actor=request.user, warning_id=warning_id, note=payload.note))


# ---- points ---------------------------------------------------------------------------------------------


class RankingOut(Schema):
    year: int
    frozen: bool
    frozen_at: str | None
    weights: dict[str, Any]
    entries: list[dict[str, Any]]


@router.get("/points/{year}", response=RankingOut, summary="年度评价积分排名（已固化则为固化结果）")
def ranking(request: HttpRequest, year: int) -> Any:
    r = selectors.points_ranking(request.user, year)
    return {
        "year": r.year,
        "frozen": r.frozen,
        "frozen_at": r.frozen_at.isoformat() if r.frozen_at else None,
        "weights": r.weights,
        "entries": r.entries,
    }


@router.get("/points/{year}/orgs/{org_id}", response=dict[str, Any], summary="某组织的年度积分，逐项说明")
def org_points(request: HttpRequest, year: int, org_id: int) -> Any:
    return selectors.org_points(request.user, org_id=org_id, year=year)


class FormulaIn(Schema):
    weights: dict[str, Decimal]


@router.post("/points/{year}/formula", response=dict[str, str], summary="发布年度积分公式（民政局）")
def formula(request: HttpRequest, year: int, payload: FormulaIn) -> Any:
    f = services.points_formula_set(actor=request.user, year=year, **payload.weights)
    return {k: str(v) for k, v in f.weights().items()}


@router.post("/points/{year}/freeze", response=RankingOut, summary="固化年度排名（民政局）")
def freeze(request: HttpRequest, year: int) -> Any:
    services.points_freeze(actor=request.user, year=year)
    return ranking(request, year)
