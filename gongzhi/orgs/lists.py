"""The four lists (四张清单): government purchase needs, community needs, resident needs, service offers.

The three need lists divide the orders between them, so that each order is counted in exactly one:

1. **政府购买需求** (government purchase needs): orders a government department dispatched
   (``dispatcher_department`` set), and orders of the common-needs scenario (共性需求), which the
   design sends to the purchase and venture project pools — unless the order is now a special case
   (特殊疑难) forwarded to a department, which is the department's own work, not a purchase.
2. **社区需求** (community needs): the rest of what community, street and grid staff raised — their
   dispatches (下单), needs entered for residents offline (代办) and grid patrol reports.
3. **居民需求** (resident needs): the rest — needs residents posted themselves on the web, by the
   hotline or through an Open311 client.

The fourth list is the supply side: every active offer (供给清单) of the organizations in the public
directory — category, area, capacity per month, price, description.

Every list starts from the permission chokepoint (orders: ``view``; offers: ``view``), shows no
personal data (no requester, contact, address or description of a need), and exports to Excel or
CSV with the same columns as on the page.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for, restrict
from gongzhi.areas.models import Area
from gongzhi.core.errors import NotFound
from gongzhi.core.excel import append_row, csv_text
from gongzhi.orders.models import OPEN_STATES, Category, Channel, Order, Scenario, State
from gongzhi.orders.selectors import LIST_RELATED, overdue_q, with_flags
from gongzhi.orgs.models import PUBLIC_STATUSES, ServiceOffer
from gongzhi.orgs.selectors import serving_q

PURCHASE, COMMUNITY, RESIDENT, OFFERS = "purchase", "community", "resident", "offers"
NEED_KINDS = (PURCHASE, COMMUNITY, RESIDENT)
TITLES: dict[str, Promise] = {
    PURCHASE: gettext_lazy("政府购买需求"),
    COMMUNITY: gettext_lazy("社区需求"),
    RESIDENT: gettext_lazy("居民需求"),
    OFFERS: gettext_lazy("服务供给清单"),
}
DESCRIPTIONS: dict[str, Promise] = {
    PURCHASE: gettext_lazy(
        "职能部门派发的订单，以及共性需求（转为特殊疑难事项的除外）：由政府购买服务或公益创投承接。"
    ),
    COMMUNITY: gettext_lazy("社区、街道和网格员提出的需求：社区下单、为居民代办登记和网格巡查上报。"),
    RESIDENT: gettext_lazy("居民自己通过网页、热线或 Open311 提出的需求。"),
    OFFERS: gettext_lazy("各社会组织发布的服务项目：类别、服务区域、每月可服务量、价格和服务内容。"),
}
# Who sees the need lists: the people who raise, dispatch, take on and supervise needs.
LIST_ROLES = (
    Role.GRID_WORKER,
    Role.COMMUNITY_WORKER,
    Role.STREET_STAFF,
    Role.CIVIL_AFFAIRS,
    Role.DEPT_STAFF,
    Role.ORG_ADMIN,
    Role.ORG_MEMBER,
    Role.ADMIN,
)
STAFF_CHANNELS = (Channel.DISPATCH, Channel.PROXY, Channel.PATROL)
STATE_FILTERS: dict[str, tuple[Promise, tuple[str, ...] | None]] = {
    "open": (gettext_lazy("办理中（未办结）"), tuple(OPEN_STATES)),
    "done": (gettext_lazy("已完成或已办结"), (State.COMPLETED, State.CLOSED)),
    "all": (gettext_lazy("全部"), None),
    **{s.value: (s.label, (s.value,)) for s in State},
}
EXPORT_LIMIT = 50_000
FORMATS = ("xlsx", "csv")


def purchase_q() -> Q:
    return (Q(dispatcher_department__isnull=False) | Q(scenario=Scenario.COMMON)) & ~Q(scenario=Scenario.SPECIAL)


def list_q(kind: str) -> Q:
    """The definition of each need list (see the module docstring); together they cover every order once."""
    if kind == PURCHASE:
        return purchase_q()
    if kind == COMMUNITY:
        return ~purchase_q() & Q(channel__in=STAFF_CHANNELS)
    if kind == RESIDENT:
        return ~purchase_q() & ~Q(channel__in=STAFF_CHANNELS)
    raise NotFound()


def may_list_needs(user: Any) -> bool:
    grants = grants_for(user)
    return grants.is_admin or grants.has_role(*LIST_ROLES)


def require_list_role(user: Any) -> None:
    """The need lists are working tools: other users (residents, experts) get 404, like any page not theirs."""
    if not may_list_needs(user):
        raise NotFound()


# ---- filters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFilters:
    q: str = ""
    category: str = ""
    area: str = ""
    state: str = "open"
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class OfferFilters:
    q: str = ""
    category: str = ""
    area: str = ""
    org_type: str = ""
    free: bool = False


def _category_family(code: str) -> list[str]:
    """A category, its sub-categories and its parent: a filter on 养老服务 finds 居家照料 too, and the
    reverse for offers (a general 养老服务 offer serves a 居家照料 need)."""
    cat = Category.objects.filter(code=code).first()
    if cat is None:
        return []
    codes = [cat.code, *Category.objects.filter(parent=cat).values_list("code", flat=True)]
    if cat.parent_id:
        codes.append(Category.objects.get(pk=cat.parent_id).code)
    return codes


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def need_list(user: Any, kind: str, filters: NeedFilters | None = None) -> QuerySet[Order]:
    """One of the three need lists as ``user`` may see it, newest first, with the overdue flag."""
    f = filters or NeedFilters()
    qs = restrict(Order.objects.all(), user, "view").filter(list_q(kind))
    _label, states = STATE_FILTERS.get(f.state, STATE_FILTERS["open"])
    if states is not None:
        qs = qs.filter(state__in=states)
    if f.q:
        qs = qs.filter(title__icontains=f.q)
    if f.category:
        qs = qs.filter(Q(category__code=f.category) | Q(category__parent__code=f.category))
    if f.area:
        area = Area.objects.filter(code=f.area).first()
        qs = qs.filter(area__path__startswith=area.path) if area else qs.none()
    if f.date_from:
        qs = qs.filter(created_at__gte=_local_start(f.date_from))
    if f.date_to:
        qs = qs.filter(created_at__lt=_local_start(f.date_to + timedelta(days=1)))
    if f.overdue:
        qs = qs.filter(overdue_q())
    return (
        with_flags(qs)
        .select_related(*LIST_RELATED, "category__parent", "dispatcher_department")
        .order_by("-created_at", "-id")
    )


def offer_list(user: Any, filters: OfferFilters | None = None) -> QuerySet[ServiceOffer]:
    """The supply list: active offers of organizations in the public directory."""
    f = filters or OfferFilters()
    qs = restrict(ServiceOffer.objects.all(), user, "view").filter(
        active=True, organization__status__in=PUBLIC_STATUSES
    )
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(description__icontains=f.q) | Q(organization__name__icontains=f.q))
    if f.category:
        qs = qs.filter(category_code__in=_category_family(f.category))
    if f.area:
        area = Area.objects.filter(code=f.area).first()
        if area is None:
            return qs.none()
        ancestors = area.path.strip("/").split("/")
        qs = qs.filter(
            Q(area__code__in=ancestors)
            | Q(area__path__startswith=area.path)
            | (Q(area__isnull=True) & serving_q(area, prefix="organization__"))
        )
    if f.org_type:
        qs = qs.filter(organization__org_type=f.org_type)
    if f.free:
        qs = qs.filter(price__isnull=True)
    return qs.select_related("organization", "area").order_by("category_code", "organization__name", "title", "pk")


# ---- rows, for the page and the exports ------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise


NEED_COLUMNS = [
    Column(k, lbl)
    for k, lbl in (
        ("number", gettext_lazy("编号")),
        ("title", gettext_lazy("需求")),
        ("family", gettext_lazy("大类")),
        ("category", gettext_lazy("服务类别")),
        ("community", gettext_lazy("社区")),
        ("grid", gettext_lazy("网格")),
        ("channel", gettext_lazy("来源")),
        ("scenario", gettext_lazy("场景")),
        ("urgency", gettext_lazy("紧急程度")),
        ("state", gettext_lazy("状态")),
        ("handler", gettext_lazy("承办方")),
        ("dispatcher", gettext_lazy("派单部门")),
        ("created", gettext_lazy("提交时间")),
        ("deadline", gettext_lazy("期限")),
        ("overdue", gettext_lazy("超期")),
    )
]
OFFER_COLUMNS = [
    Column(k, lbl)
    for k, lbl in (
        ("org", gettext_lazy("社会组织")),
        ("org_type", gettext_lazy("组织类型")),
        ("grade", gettext_lazy("评估等级")),
        ("category", gettext_lazy("服务类别")),
        ("title", gettext_lazy("服务名称")),
        ("area", gettext_lazy("服务区域")),
        ("capacity", gettext_lazy("每月可服务量")),
        ("price", gettext_lazy("价格（元/次）")),
        ("description", gettext_lazy("服务内容")),
    )
]


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def need_row(o: Order) -> dict[str, Any]:
    """An order as the lists show it: what, where, how far — never who asked or their address."""
    deadline = o.complete_by if o.state in (State.ACCEPTED, State.SIGNED) else o.accept_by
    family = o.category.parent or o.category
    return {
        "id": o.pk,
        "number": o.number,
        "title": o.title,
        "family": family.name,
        "category": o.category.name,
        "category_code": o.category.code,
        "community": o.community.display_name,
        "grid": o.area.display_name if o.area_id != o.community_id else "",
        "channel": o.get_channel_display(),
        "scenario": o.get_scenario_display(),
        "urgency": o.get_urgency_display(),
        "urgency_code": o.urgency,
        "state": o.get_state_display(),
        "state_code": o.state,
        "handler": o.org.name if o.org else (o.department.name if o.department else ""),
        "dispatcher": o.dispatcher_department.name if o.dispatcher_department else "",
        "created": _when(o.created_at),
        "deadline": _when(deadline) if o.state in OPEN_STATES else "",
        "overdue": _("是") if getattr(o, "is_overdue", False) else "",
    }


def category_names() -> dict[str, str]:
    return dict(Category.objects.values_list("code", "name"))


def offer_row(o: ServiceOffer, names: dict[str, str]) -> dict[str, Any]:
    org = o.organization
    return {
        "id": o.pk,
        "org_id": org.pk,
        "org": org.name,
        "org_type": org.get_org_type_display(),
        "grade": org.grade_label if org.grade_valid() else "",
        "category_code": o.category_code,
        "category": names.get(o.category_code, o.category_code),
        "title": o.title,
        "area": o.area.display_name if o.area else _("本组织服务区域"),
        "capacity": o.capacity_per_month,
        "price": _("免费") if o.price is None else str(o.price),
        "description": o.description,
    }


def rows_for(kind: str, items: Iterable[Any]) -> list[dict[str, Any]]:
    if kind == OFFERS:
        names = category_names()
        return [offer_row(o, names) for o in items]
    return [need_row(o) for o in items]


def columns_for(kind: str) -> list[Column]:
    return OFFER_COLUMNS if kind == OFFERS else NEED_COLUMNS


# ---- exports -------------------------------------------------------------------------------------


def _table(kind: str, items: Iterable[Any]) -> tuple[list[str], list[list[Any]]]:
    cols = columns_for(kind)
    return [str(c.label) for c in cols], [[r[c.key] for c in cols] for r in rows_for(kind, items)]


def xlsx_bytes(kind: str, items: Iterable[Any], filters_line: str) -> bytes:
    """A workbook with a title row, the filters it was made with, and the same columns as the page."""
    header, rows = _table(kind, items)
    wb = Workbook()
    ws = wb.active
    ws.title = str(TITLES[kind])[:31]
    ws.append([str(TITLES[kind])])
    ws["A1"].font = Font(size=14, bold=True)
    append_row(ws, [filters_line])
    ws.append(header)
    for col in range(1, len(header) + 1):
        ws.cell(row=3, column=col).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(col)].width = 16
    for row in rows:
        append_row(ws, row)
    ws.freeze_panes = "A4"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(kind: str, items: Iterable[Any]) -> bytes:
    """CSV with a byte-order mark, so that Excel on Windows reads the Chinese text as UTF-8."""
    header, rows = _table(kind, items)
    return csv_text([header, *rows])


FILTER_LABELS: dict[str, Promise] = {
    "q": gettext_lazy("关键词"),
    "category": gettext_lazy("服务类别"),
    "area": gettext_lazy("区域"),
    "state": gettext_lazy("状态"),
    "date_from": gettext_lazy("提交日期起"),
    "date_to": gettext_lazy("提交日期止"),
    "overdue": gettext_lazy("只看超期"),
    "org_type": gettext_lazy("组织类型"),
    "free": gettext_lazy("只看免费"),
}


def _filter_value(key: str, value: Any) -> str:
    if value is True:
        return _("是")
    if key == "state":
        return str(STATE_FILTERS.get(value, STATE_FILTERS["open"])[0])
    return str(value)


def filters_line(values: dict[str, Any]) -> str:
    """The filters an export was made with, in words, so a printed sheet says what it contains."""
    shown = "；".join(
        f"{FILTER_LABELS.get(k, k)}：{_filter_value(k, v)}" for k, v in values.items() if v not in (None, "", False)
    )
    return _("筛选条件：%(f)s；导出时间：%(t)s") % {
        "f": shown or _("无"),
        "t": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }


def export(kind: str, items: Iterable[Any], fmt: str, values: dict[str, Any]) -> tuple[bytes, str, str]:
    """(content, content type, file name) of a list export."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"{TITLES[kind]}-{stamp}.{fmt}"
    if fmt == "csv":
        return csv_bytes(kind, items), "text/csv; charset=utf-8", name
    return (
        xlsx_bytes(kind, items, filters_line(values)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        name,
    )


def list_items(user: Any, kind: str, values: dict[str, Any]) -> QuerySet[Any]:
    """The list ``kind`` for ``user`` with filters given as plain values (from a query string or the API)."""
    if kind == OFFERS:
        return offer_list(user, OfferFilters(**_pick(OfferFilters, values)))
    if kind not in NEED_KINDS:
        raise NotFound()
    require_list_role(user)
    return need_list(user, kind, NeedFilters(**_pick(NeedFilters, values)))


def _pick(cls: Callable[..., Any], values: dict[str, Any]) -> dict[str, Any]:
    fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
    return {k: v for k, v in values.items() if k in fields and v is not None}
