"""The four lists (四张清单) and matching over the API, at /api/v1/lists/.

Each list endpoint answers a page of rows as JSON, or the whole filtered list as a file with
``format=xlsx`` or ``format=csv``. The ranking of organizations for an order lives at
``GET /api/v1/orders/{id}/matches`` (registered by the orders router, served by :func:`order_matches_out`).
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.core.dates import Day
from gongzhi.orgs import lists, matching
from gongzhi.orgs.http import public_auth

router = Router(tags=["四张清单与匹配 lists"])
MAX_PAGE = 100


class ComponentOut(Schema):
    code: str
    label: str
    weight: int
    score: float
    points: float
    detail: str
    data: dict[str, Any]


class MatchOrgOut(Schema):
    id: int
    name: str
    org_type_label: str
    grade_label: str


class MatchOut(Schema):
    rank: int
    org: MatchOrgOut
    score: float = Field(description="总分 0–100，各项得分之和")
    reason: str
    components: list[ComponentOut]


class MethodOut(Schema):
    weights: dict[str, int]
    tie_rule: str
    rating_prior: dict[str, float]
    reliability_prior: dict[str, float]
    experience_half: int


class MatchesOut(Schema):
    order: int | None
    category: str
    area: str
    method: MethodOut
    results: list[MatchOut]


def matches_out(order: Any, found: list[matching.Match]) -> dict[str, Any]:
    return {
        "order": order.pk,
        "category": order.category.name,
        "area": order.area.display_name,
        "method": matching.method(),
        "results": [matching.match_out(m, i) for i, m in enumerate(found, 1)],
    }


def order_matches_out(request: HttpRequest, order_id: int, limit: int) -> dict[str, Any]:
    """The body of GET /api/v1/orders/{id}/matches."""
    return matches_out(*matching.order_matches(request.user, order_id, limit=limit))


@router.get("/matches", response=MatchesOut, summary="派单前预览：按类别和社区/网格匹配社会组织")
def preview(
    request: HttpRequest, category: str, area: str, limit: int = Query(10, ge=1, le=matching.MAX_LIMIT)
) -> dict[str, Any]:
    return matches_out(*matching.preview_matches(request.user, category=category, area=area, limit=limit))


class SuggestionOut(Schema):
    order: int
    number: str
    title: str
    category: str
    community: str
    urgency: str
    created_at: str
    match: MatchOut


@router.get("/suggested-needs", response=list[SuggestionOut], summary="为本组织推荐的大厅需求（按匹配度）")
def suggested(request: HttpRequest, limit: int = Query(10, ge=1, le=matching.MAX_LIMIT)) -> list[dict[str, Any]]:
    return [
        {
            "order": s.order.pk,
            "number": s.order.number,
            "title": s.order.title,
            "category": s.order.category.name,
            "community": s.order.community.display_name,
            "urgency": s.order.urgency,
            "created_at": s.order.created_at.isoformat(),
            "match": matching.match_out(s.match, i),
        }
        for i, s in enumerate(matching.suggested_needs(request.user, limit=limit), 1)
    ]


# ---- the lists ------------------------------------------------------------------------------------


class NeedRowOut(Schema):
    id: int
    number: str
    title: str
    family: str
    category: str
    category_code: str
    community: str
    grid: str
    channel: str
    scenario: str
    urgency: str
    urgency_code: str
    state: str
    state_code: str
    handler: str
    dispatcher: str
    created: str
    deadline: str
    overdue: str


class NeedPageOut(Schema):
    kind: str
    title: str
    definition: str
    count: int
    items: list[NeedRowOut]


class NeedQuery(Schema):
    q: str = Field("", max_length=100)
    category: str = Field("", max_length=40)
    area: str = Field("", max_length=24, description="区划代码（含下级）")
    state: str = Field("open", description="open 办理中（默认）、done 已完成、all 全部，或某一状态代码")
    date_from: Day | None = Field(None, description="提交日期起")
    date_to: Day | None = Field(None, description="提交日期止")
    overdue: bool = False
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0)
    format: Literal["xlsx", "csv"] | None = Field(None, description="xlsx 或 csv：导出全部筛选结果")


class OfferRowOut(Schema):
    id: int
    org_id: int
    org: str
    org_type: str
    grade: str
    category_code: str
    category: str
    title: str
    area: str
    capacity: int
    price: str
    description: str


class OfferPageOut(Schema):
    kind: str
    title: str
    definition: str
    count: int
    items: list[OfferRowOut]


class OfferQuery(Schema):
    q: str = Field("", max_length=100)
    category: str = Field("", max_length=40)
    area: str = Field("", max_length=24)
    org_type: str = Field("", max_length=24)
    free: bool = False
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0)
    format: Literal["xlsx", "csv"] | None = None


def file_response(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    ascii_name = "list." + name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response


def _answer(request: HttpRequest, kind: str, query: Schema) -> Any:
    values = query.model_dump(exclude={"limit", "offset", "format"})
    items = lists.list_items(request.user, kind, values)
    if query.format:
        return file_response(*lists.export(kind, items[: lists.EXPORT_LIMIT], query.format, values))
    start = query.offset
    return {
        "kind": kind,
        "title": str(lists.TITLES[kind]),
        "definition": str(lists.DESCRIPTIONS[kind]),
        "count": items.count(),
        "items": lists.rows_for(kind, items[start : start + query.limit]),
    }


def _need_endpoint(kind: str, path: str) -> None:
    def endpoint(request: HttpRequest, query: Query[NeedQuery]) -> Any:
        return _answer(request, kind, query)

    endpoint.__name__ = f"{kind}_needs"
    router.get(path, response=NeedPageOut, summary=f"{lists.TITLES[kind]}（format=xlsx/csv 导出）")(endpoint)


for _kind, _path in (
    (lists.PURCHASE, "/purchase-needs"),
    (lists.COMMUNITY, "/community-needs"),
    (lists.RESIDENT, "/resident-needs"),
):
    _need_endpoint(_kind, _path)


@router.get("/offers", auth=public_auth, response=OfferPageOut, summary="服务供给清单（公开；format=xlsx/csv 导出）")
def offers(request: HttpRequest, query: Query[OfferQuery]) -> Any:
    return _answer(request, lists.OFFERS, query)
