"""Order endpoints: categories, create, list, hall, detail, one POST per transition, and the ledger.

Each handler checks nothing itself: it calls one service or selector, which go through the permission
chokepoint; domain errors become HTTP in gongzhi.core.api_errors.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field, StrictInt

from gongzhi.core.dates import Day
from gongzhi.core.errors import NotFound
from gongzhi.core.idempotency import run_idempotent
from gongzhi.core.paging import COUNT_CAP, capped_count
from gongzhi.orders import selectors, services
from gongzhi.orders.exports import ledger_workbook_response
from gongzhi.orders.schemas import (
    CategoryOut,
    LedgerOut,
    OrderDetailOut,
    OrderIn,
    OrderOut,
    RatingOut,
    order_detail_out,
    order_out,
)
from gongzhi.orgs.api.lists import MatchesOut, order_matches_out

router = Router(tags=["服务订单 orders"])
categories_router = Router(tags=["服务订单 orders"])
ledger_router = Router(tags=["服务台账 ledger"])


class OrderPage(PageNumberPagination):
    class Input(PageNumberPagination.Input):
        page: int = Field(1, ge=1, le=100000)
        page_size: int = Field(20, ge=1, le=100)

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page_size = getattr(pagination, "page_size", 20) or 20
        offset = (pagination.page - 1) * page_size
        return {"items": list(queryset[offset : offset + page_size]), "count": self._items_count(queryset)}


def _detail(request: HttpRequest, order_id: int) -> dict[str, Any]:
    order = selectors.order_detail(request.user, order_id)
    return order_detail_out(request.user, order, selectors.allowed_actions(request.user, order))


def _act(request: HttpRequest, order_id: int, call: Callable[[], Any], status: int = 200) -> tuple[int, Any]:
    """Run a transition once per Idempotency-Key and answer with the order as it now is."""

    def action() -> tuple[int, Any]:
        return status, call()

    return run_idempotent(request, action, lambda order: _json(_after(request, order)))


def _after(request: HttpRequest, order: Any) -> dict[str, Any]:
    """The order after the actor's transition. One who handed it on (a rejected dispatch, a returned case)
    no longer sees it; they still get the outcome of their own action (with no further actions), not a 404
    that would read as a failure and roll back an idempotent request."""
    try:
        return _detail(request, order.pk)
    except NotFound:
        return order_detail_out(request.user, order, [])


def _json(data: Any) -> Any:
    return OrderDetailOut(**data).model_dump(mode="json")


@categories_router.get("", response=list[CategoryOut], summary="服务类别树")
def list_categories(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "parent": c.parent.code if c.parent else None,
            "accept_days": c.accept_days,
            "complete_days": c.complete_days,
            "urgent_accept_days": c.urgent_accept_days,
            "urgent_complete_days": c.urgent_complete_days,
        }
        for c in selectors.categories(request.user)
    ]


@router.post("", response={201: OrderDetailOut}, summary="提交需求（点单）、派单（下单）或代办登记")
def create_order(request: HttpRequest, payload: OrderIn) -> Status[Any]:
    def action() -> tuple[int, Any]:
        data = payload.model_dump()
        order = services.order_create(actor=request.user, **data)
        return 201, order.pk

    return Status(*run_idempotent(request, action, lambda oid: _json(_detail(request, oid))))


class OrderFilters(Schema):
    state: str | None = Field(None, description="状态，可用逗号分隔多个")
    category: str | None = None
    area: str | None = Field(None, description="区域代码（含下级）")
    org: int | None = None
    overdue: bool | None = None
    mine: bool = False


COUNT_NOTE = (
    f"count 最多数到 {COUNT_CAP + 1}：超过 {COUNT_CAP} 条时为 {COUNT_CAP + 1}，表示“多于 {COUNT_CAP} 条”，"
    f"请用筛选条件缩小范围 / count stops at {COUNT_CAP + 1}, meaning more than {COUNT_CAP}: narrow the filters"
)


@router.get("", response=list[OrderOut], summary="订单列表（按权限过滤）", description=COUNT_NOTE)
@paginate(OrderPage)
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> list[dict[str, Any]]:
    qs = selectors.order_list(request.user, **filters.model_dump())
    return _LazyOut(request.user, qs)  # type: ignore[return-value]


class _LazyOut:
    """Slice the queryset first, then serialize only the page (one query for the rows)."""

    def __init__(self, user: Any, qs: Any) -> None:
        self.user, self.qs = user, qs

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [order_out(self.user, o) for o in self.qs[item]]

    def count(self) -> int:
        # At most COUNT_CAP + 1: a district's million orders are not counted for every page.
        return capped_count(self.qs)

    def __len__(self) -> int:
        return self.count()


@router.get("/hall", response=list[OrderOut], summary="接单大厅：本组织可领取的需求", description=COUNT_NOTE)
@paginate(OrderPage)
def order_hall(request: HttpRequest) -> Any:
    return _LazyOut(request.user, selectors.hall(request.user))


@router.get("/supervision", response=list[OrderOut], summary="督办：本区域超期未办的订单")
@paginate(OrderPage)
def order_supervision(request: HttpRequest) -> Any:
    return _LazyOut(request.user, selectors.supervision(request.user))


@router.get("/{order_id}", response=OrderDetailOut, summary="订单详情（含办理过程）")
def get_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return _detail(request, order_id)


@router.get(
    "/{order_id}/matches", response=MatchesOut, summary="为订单匹配社会组织（派单方与本区域社区、街道工作人员）"
)
def order_matches(request: HttpRequest, order_id: int, limit: int = Query(10, ge=1, le=50)) -> dict[str, Any]:
    return order_matches_out(request, order_id, limit)


class ClaimIn(Schema):
    org: int | None = Field(None, description="以哪个组织接单（属于多个组织时）")


class ReasonIn(Schema):
    reason: str


class NoteIn(Schema):
    note: str = ""


class ReassignIn(Schema):
    org: int | None = Field(None, description="新的派单对象；省略则发布到接单大厅")
    note: str = ""


class ForwardIn(Schema):
    department: int | None = Field(None, description="职能部门编号；省略则按责任矩阵")
    note: str = ""


class ReplyIn(Schema):
    reply: str


class RateIn(Schema):
    # Strict: "5" or true are not a number of stars (pydantic would read them as 5 and 1).
    stars: StrictInt = Field(..., ge=1, le=5)
    comment: str = ""
    photos_public: bool = Field(False, description="需求人同意在组织主页公开展示本次服务照片")


class CancelIn(Schema):
    reason: str = ""


@router.post("/{order_id}/claim", response=OrderDetailOut, summary="从接单大厅领取")
def claim(request: HttpRequest, order_id: int, payload: ClaimIn | None = None) -> Any:
    return _act(
        request,
        order_id,
        lambda: services.order_claim(actor=request.user, order_id=order_id, org_id=payload.org if payload else None),
    )[1]


@router.post("/{order_id}/accept", response=OrderDetailOut, summary="确认接受派单")
def accept(request: HttpRequest, order_id: int) -> Any:
    return _act(request, order_id, lambda: services.order_accept(actor=request.user, order_id=order_id))[1]


@router.post("/{order_id}/reject", response=OrderDetailOut, summary="拒绝派单（需说明理由）")
def reject(request: HttpRequest, order_id: int, payload: ReasonIn) -> Any:
    return _act(
        request, order_id, lambda: services.order_reject(actor=request.user, order_id=order_id, reason=payload.reason)
    )[1]


@router.post("/{order_id}/reassign", response=OrderDetailOut, summary="重新派单或发布到大厅")
def reassign(request: HttpRequest, order_id: int, payload: ReassignIn) -> Any:
    return _act(
        request,
        order_id,
        lambda: services.order_reassign(actor=request.user, order_id=order_id, org_id=payload.org, note=payload.note),
    )[1]


@router.post("/{order_id}/complete", response=OrderDetailOut, summary="提交完成（multipart：description、photos）")
def complete(
    request: HttpRequest,
    order_id: int,
    description: Form[str],
    photos: File[list[UploadedFile]],
    people_served: Form[int] = 1,
    volunteers: Form[str] = "",
) -> Any:
    return _act(
        request,
        order_id,
        lambda: services.order_complete(
            actor=request.user,
            order_id=order_id,
            description=description,
            photos=photos,
            people_served=people_served,
            volunteers=volunteers,
        ),
    )[1]


@router.post("/{order_id}/confirm", response=OrderDetailOut, summary="确认办结")
def confirm(request: HttpRequest, order_id: int, payload: NoteIn | None = None) -> Any:
    return _act(
        request,
        order_id,
        lambda: services.order_confirm(actor=request.user, order_id=order_id, note=payload.note if payload else ""),
    )[1]


@router.post("/{order_id}/rate", response={200: RatingOut}, summary="评价（1-5 星，每人一次）")
def rate(request: HttpRequest, order_id: int, payload: RateIn) -> Status[Any]:
    def action() -> tuple[int, Any]:
        return 200, services.order_rate(
            actor=request.user,
            order_id=order_id,
            stars=payload.stars,
            comment=payload.comment,
            photos_public=payload.photos_public,
        )

    def out(r: Any) -> Any:
        return {
            "id": r.pk,
            "order": r.order_id,
            "stars": r.stars,
            "comment": r.comment,
            "rater_role": r.rater_role,
            "created_at": r.created_at.isoformat(),
        }

    return Status(*run_idempotent(request, action, out))


@router.post("/{order_id}/reopen", response=OrderDetailOut, summary="要求重办")
def reopen(request: HttpRequest, order_id: int, payload: ReasonIn) -> Any:
    return _act(
        request, order_id, lambda: services.order_reopen(actor=request.user, order_id=order_id, reason=payload.reason)
    )[1]


@router.post("/{order_id}/cancel", response=OrderDetailOut, summary="撤销（接单前）")
def cancel(request: HttpRequest, order_id: int, payload: CancelIn | None = None) -> Any:
    return _act(
        request,
        order_id,
        lambda: services.order_cancel(actor=request.user, order_id=order_id, reason=payload.reason if payload else ""),
    )[1]


@router.post("/{order_id}/forward", response=OrderDetailOut, summary="转办职能部门")
def forward(request: HttpRequest, order_id: int, payload: ForwardIn | None = None) -> Any:
    return _act(
        request,
        order_id,
        lambda: services.order_forward(
            actor=request.user,
            order_id=order_id,
            department_id=payload.department if payload else None,
            note=payload.note if payload else "",
        ),
    )[1]


@router.post("/{order_id}/sign", response=OrderDetailOut, summary="部门签收")
def sign(request: HttpRequest, order_id: int) -> Any:
    return _act(request, order_id, lambda: services.order_sign(actor=request.user, order_id=order_id))[1]


@router.post("/{order_id}/reply", response=OrderDetailOut, summary="部门答复")
def reply(request: HttpRequest, order_id: int, payload: ReplyIn) -> Any:
    return _act(
        request, order_id, lambda: services.order_reply(actor=request.user, order_id=order_id, reply=payload.reply)
    )[1]


@router.post("/{order_id}/return", response=OrderDetailOut, summary="部门退回（需说明理由）")
def return_(request: HttpRequest, order_id: int, payload: ReasonIn) -> Any:
    return _act(
        request, order_id, lambda: services.order_return(actor=request.user, order_id=order_id, reason=payload.reason)
    )[1]


@router.post("/{order_id}/remind", response=OrderDetailOut, summary="催办")
def remind(request: HttpRequest, order_id: int, payload: NoteIn | None = None) -> Any:
    return _act(
        request,
        order_id,
        lambda: services.order_remind(actor=request.user, order_id=order_id, note=payload.note if payload else ""),
    )[1]


class LedgerFilters(Schema):
    org: int | None = None
    area: str | None = Field(None, description="区域代码（含下级）")
    date_from: Day | None = Field(None, alias="from")
    date_to: Day | None = Field(None, alias="to")
    format: str | None = Field(None, description="xlsx 导出 Excel")


@ledger_router.get("", response=list[LedgerOut], summary="服务台账（format=xlsx 导出 Excel）")
def get_ledger(request: HttpRequest, filters: Query[LedgerFilters]) -> Any:
    action = "export" if filters.format == "xlsx" else "view"
    qs = selectors.ledger(
        request.user,
        org=filters.org,
        area=filters.area,
        date_from=filters.date_from,
        date_to=filters.date_to,
        action=action,
    )
    if filters.format == "xlsx":
        return ledger_workbook_response(qs[:50000], filters.model_dump())
    return [ledger_row(e) for e in qs[:5000]]


def ledger_row(e: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "order": e.order_id,
        "service_date": e.service_date.isoformat(),
        "place": e.place,
        "service": e.service,
        "category": e.category_name,
        "people_served": e.people_served,
        "org": e.org.name,
        "volunteers": e.volunteers,
        "photos_count": e.photos_count,
        "rating": e.rating,
        "community": e.community.display_name,
    }
