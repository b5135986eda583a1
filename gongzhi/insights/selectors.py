"""Reads of the insights app: leaderboards, rates, dashboards, warnings and points, as tables.

Every figure comes from the maintained counters through ``cube.cells`` (the permission chokepoint
included); lists of orders (overdue, suspiciously fast) are found in the facts and read through
``restrict(Order…)``. A ``Table`` is what the page draws, the API returns and the Excel/CSV export
writes — one definition per table.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.permissions import get_for, grants_for, restrict
from gongzhi.areas.models import Area, Level
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.insights import conf, points
from gongzhi.insights.cube import (
    Filters,
    Labels,
    Scope,
    cell_rows,
    cells,
    dashboard_scope,
    parse_filters,
    public_scope,
)
from gongzhi.insights.facts import (
    GEO_AREA,
    GEO_STREET,
    STARS,
    STATE_METRICS,
    TA,
    TC,
    percentile_minutes,
    prior_parts,
    ratio,
    smoothed_key,
)
from gongzhi.insights.models import HotspotWarning, OrderFact, PointsEntry, PointsSnapshot, WarningStatus
from gongzhi.insights.policies import points_orgs
from gongzhi.orders.models import Category, Order, State
from gongzhi.orgs.models import Organization, OrgType

RATE_METRICS = (
    "posted",
    "taken",
    "taken_due",
    "taken_ontime",
    "done",
    "done_due",
    "done_ontime",
    "ever_done",
    "reopened",
    "reopens",
    "fast",
    "rated",
    *STARS,
    *TA,
    *TC,
)
SERIES_METRICS = ("posted", *STATE_METRICS)
# Only what the organization boards show: every column is summed over hundreds of organizations' cells.
ORG_METRICS = ("taken", "done", "done_due", "done_ontime", "reopened", "ever_done", "fast", *STARS)
CATEGORY_METRICS = ("posted", "taken", "done", "rated", "r4", "r5")
AREA_METRICS = ("posted", "taken", "done", "rated", "r4", "r5", "st_pending", "st_cancelled")
MAX_LIMIT = 500


# ---- tables -------------------------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: Any
    kind: str = "text"  # text | int | rate | rating | minutes


@dataclass
class Table:
    name: str
    title: Any
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str = ""
    total_rows: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": str(self.title),
            "note": self.note,
            "total_rows": self.total_rows,
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in self.columns],
            "rows": self.rows,
        }


def _limit(value: int | None, default: int | None = None) -> int:
    if value is None:
        return default if default is not None else int(conf.get("INSIGHTS_BOARD_SIZE"))  # type: ignore[call-overload]
    return max(1, min(int(value), MAX_LIMIT))


def _ranks[T](ordered: list[T], key: Callable[[T], Any]) -> list[tuple[int, T]]:
    """(rank, item) of items already in board order: items equal on ``key`` share a rank (1, 2, 2, 4). Right
    for any first part of a board too, since everything ranked above an item comes before it."""
    out: list[tuple[int, T]] = []
    previous, rank = None, 0
    for n, x in enumerate(ordered):
        k = key(x)
        if n == 0 or k != previous:
            rank, previous = n + 1, k
        out.append((rank, x))
    return out


def _ranked(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any], then: str) -> list[dict[str, Any]]:
    """Sort by ``key`` descending; rows equal on ``key`` share a rank (1, 2, 2, 4) and are listed by ``then``."""
    rows.sort(key=lambda r: r[then])
    rows.sort(key=key, reverse=True)
    for rank, row in _ranks(rows, key):
        row["rank"] = rank
    return rows


# ---- figures from counters ------------------------------------------------------------------------------


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def figures(c: dict[str, int]) -> dict[str, Any]:
    """The rates of a set of counters (None where the denominator is zero)."""
    stars = [c.get(s, 0) for s in STARS]
    rated = sum(stars)
    ta = [c.get(k, 0) for k in TA]
    tc = [c.get(k, 0) for k in TC]
    return {
        "posted": c.get("posted", 0),
        "accepted": c.get("taken", 0),
        "completed": c.get("done", 0),
        "rated": rated,
        "acceptance_rate": _round(ratio(c.get("taken", 0), c.get("posted", 0))),
        "praise_rate": _round(ratio(stars[3] + stars[4], rated)),
        "ontime_accept_rate": _round(ratio(c.get("taken_ontime", 0), c.get("taken_due", 0))),
        "ontime_complete_rate": _round(ratio(c.get("done_ontime", 0), c.get("done_due", 0))),
        "accept_median_minutes": _round(percentile_minutes(ta, 0.5), 1),
        "accept_p90_minutes": _round(percentile_minutes(ta, 0.9), 1),
        "complete_median_minutes": _round(percentile_minutes(tc, 0.5), 1),
        "complete_p90_minutes": _round(percentile_minutes(tc, 0.9), 1),
        "reopen_rate": _round(ratio(c.get("reopened", 0), c.get("ever_done", 0))),
        "reopened": c.get("reopened", 0),
        "fast_closures": c.get("fast", 0),
        "fast_rate": _round(ratio(c.get("fast", 0), c.get("done", 0))),
        "average_rating": _round(ratio(sum((i + 1) * n for i, n in enumerate(stars)), rated), 2),
        "smoothed_rating": round(float(points.smoothed_exact(stars)), 2) if rated else None,
    }


RATE_ROWS = [
    ("posted", gettext_lazy("提交需求"), "int"),
    ("accepted", gettext_lazy("已接单"), "int"),
    ("acceptance_rate", gettext_lazy("接单率（接单 ÷ 提交）"), "rate"),
    ("completed", gettext_lazy("已完成"), "int"),
    ("ontime_accept_rate", gettext_lazy("按时受理率"), "rate"),
    ("ontime_complete_rate", gettext_lazy("按时办结率"), "rate"),
    ("accept_median_minutes", gettext_lazy("接单用时中位数"), "minutes"),
    ("accept_p90_minutes", gettext_lazy("接单用时 90% 分位"), "minutes"),
    ("complete_median_minutes", gettext_lazy("办结用时中位数（自提交起）"), "minutes"),
    ("complete_p90_minutes", gettext_lazy("办结用时 90% 分位"), "minutes"),
    ("rated", gettext_lazy("已评价"), "int"),
    ("praise_rate", gettext_lazy("好评率（4–5 星 ÷ 已评价）"), "rate"),
    ("average_rating", gettext_lazy("平均星级"), "rating"),
    ("reopen_rate", gettext_lazy("重办率（重办过 ÷ 完成过）"), "rate"),
    ("fast_closures", gettext_lazy("疑似过快办结"), "int"),
    ("fast_rate", gettext_lazy("疑似过快办结占比"), "rate"),
]


def rates_table(fig: dict[str, Any]) -> Table:
    rows = [{"key": k, "figure": str(label), "value": fig[k], "kind": kind} for k, label, kind in RATE_ROWS]
    note = _(
        "按提交月份归集：一张需求的各项指标都计入其提交的月份。用时为分桶估计（按 2 倍分桶，桶内几何插值）。"
        "疑似过快办结：接单后 %(n)s 分钟内即提交完成。"
    ) % {"n": conf.fast_minutes()}
    return Table(
        "rates",
        _("服务指标"),
        [Column("figure", _("指标")), Column("value", _("数值"), "mixed")],
        rows,
        note=note,
        total_rows=len(rows),
    )


# ---- leaderboards -----------------------------------------------------------------------------------------

CATEGORY_LABELS = Labels(Category, (("code", "code"), ("name", "name"), ("sort", "sort")), (("name", "parent"),))
AREA_LABELS = Labels(
    Area,
    (("name", "name"), ("short_name", "short_name"), ("level", "level"), ("parent_id", "parent_id")),
    (("name", "parent__name"), ("short_name", "parent__short_name")),
)
ORG_LABELS = Labels(Organization, (("name", "org_name"), ("org_type", "org_type")))


def _by_category(user: Any, scope: Scope, filters: Filters, metrics: tuple[str, ...]) -> list[dict[str, Any]]:
    return cells(user, scope, filters, group=("category_id",), metrics=metrics, labels=CATEGORY_LABELS)


def category_board(
    user: Any, scope: Scope, filters: Filters, limit: int | None = None, *, rows: list[dict[str, Any]] | None = None
) -> Table:
    """类别排行榜: needs posted per category, most first; equal counts share a rank (listed in category order).
    ``rows``: the counters per category if already read (the dashboard reads them once for this and the rates)."""
    if rows is None:
        rows = _by_category(user, scope, filters, CATEGORY_METRICS)
    out = []
    for r in rows:
        if not r["posted"]:
            continue
        code, sort = r["code"] or "", r["sort"] or 0
        name = f"{r['parent']} · {r['name']}" if r["parent"] else (r["name"] or "?")
        out.append(
            {
                "category_id": r["category_id"],
                "code": code,
                "sort": sort,
                "category": name,
                "posted": r["posted"],
                "accepted": r["taken"],
                "completed": r["done"],
                "acceptance_rate": _round(ratio(r["taken"], r["posted"])),
                "praise_rate": _round(ratio(r["r4"] + r["r5"], r["rated"])),
            }
        )
    for r in out:
        r["order"] = (r.pop("sort"), r["code"])
    _ranked(out, lambda r: r["posted"], "order")
    for r in out:
        r.pop("order")
    cut = _limit(limit)
    return Table(
        "categories",
        _("类别排行榜（需求量）"),
        [
            Column("rank", _("名次"), "int"),
            Column("category", _("服务类别")),
            Column("posted", _("需求数"), "int"),
            Column("accepted", _("接单数"), "int"),
            Column("completed", _("完成数"), "int"),
            Column("acceptance_rate", _("接单率"), "rate"),
            Column("praise_rate", _("好评率"), "rate"),
        ],
        out[:cut],
        note=_("需求数相同的类别名次并列。"),
        total_rows=len(out),
    )


# A board row: one organization's counters as read (``ORG_ROW`` order), then its number of ratings and the
# exact key of the praise board (``facts.smoothed_key``). Plain tuples: a district's boards rank every
# organization in it on every call; only the rows a board shows are put in order and formatted.
ORG_ROW = ("org_id", "org_name", "org_type", *ORG_METRICS, "rated", "smooth")
_R1 = ORG_ROW.index("r1")
# Per board: the column an organization needs above 0 to be on it, and the columns it is ranked by (all
# descending; equal on all of them, organizations share a rank and are listed by id).
ORG_BOARDS = {"accepted": ("taken", ("taken", "done")), "praise": ("rated", ("smooth", "rated"))}


def org_rows(user: Any, scope: Scope, filters: Filters) -> list[tuple[Any, ...]]:
    """Per organization (held by one), the counters behind both organization boards, with the number of
    ratings and the smoothed key."""
    prior = prior_parts()
    return [
        (*v, sum(v[_R1 : _R1 + 5]), smoothed_key(v[_R1 : _R1 + 5], prior))
        for v in cell_rows(user, scope, filters, group=("org_id",), metrics=ORG_METRICS, labels=ORG_LABELS)
        if v[0]
    ]


def org_boards(
    user: Any,
    scope: Scope,
    filters: Filters,
    kinds: tuple[str, ...],
    limit: int | None = None,
) -> dict[str, Table]:
    """接单排行榜 and 好评排行榜 (those of ``kinds``), ranked from one read of the organizations' counters. Only
    the rows shown are put in order (``heapq.nlargest``): a board shows twenty of hundreds."""
    rows = org_rows(user, scope, filters)
    rows.sort(key=itemgetter(0))  # by id: nlargest keeps that order among equals (it is a stable sort's first n)
    labels = {value: str(label) for value, label in OrgType.choices}
    tables = {}
    for kind in kinds:
        on, by = ORG_BOARDS[kind]
        at, key = ORG_ROW.index(on), itemgetter(*(ORG_ROW.index(c) for c in by))
        board = [r for r in rows if r[at]]
        first = heapq.nlargest(_limit(limit), board, key=key)
        shown = [_org_display(rank, row, labels) for rank, row in _ranks(first, key)]
        tables[kind] = (_accepted_table if kind == "accepted" else _praise_table)(shown, len(board))
    return tables


def _org_display(rank: int, row: tuple[Any, ...], labels: dict[str, str]) -> dict[str, Any]:
    r = dict(zip(ORG_ROW, row, strict=True))
    rated = r["rated"]
    stars = r["r1"] + 2 * r["r2"] + 3 * r["r3"] + 4 * r["r4"] + 5 * r["r5"]
    return {
        "rank": rank,
        "org_id": r["org_id"],
        "org": r["org_name"] or "?",
        "org_type": r["org_type"] or "",
        "org_type_label": labels.get(r["org_type"] or "", ""),
        "accepted": r["taken"],
        "completed": r["done"],
        "ontime_complete_rate": _round(ratio(r["done_ontime"], r["done_due"])),
        "rated": rated,
        "average_rating": round(stars / rated, 2) if rated else None,
        "smoothed_rating": round(r["smooth"], 2),
        "praise_rate": _round(ratio(r["r4"] + r["r5"], rated)),
        "reopen_rate": _round(ratio(r["reopened"], r["ever_done"])),
        "fast_closures": r["fast"],
    }


ORG_COLUMNS = [
    Column("rank", gettext_lazy("名次"), "int"),
    Column("org", gettext_lazy("社会组织")),
    Column("org_type_label", gettext_lazy("类型")),
]


def _accepted_table(rows: list[dict[str, Any]], total: int) -> Table:
    """接单排行榜: orders taken on; ties on (taken, completed) share a rank, listed by organization id."""
    return Table(
        "accepted",
        _("接单排行榜"),
        [
            *ORG_COLUMNS,
            Column("accepted", _("接单数"), "int"),
            Column("completed", _("完成数"), "int"),
            Column("ontime_complete_rate", _("按时办结率"), "rate"),
            Column("reopen_rate", _("重办率"), "rate"),
            Column("fast_closures", _("疑似过快办结"), "int"),
        ],
        rows,
        note=_("按接单数排名；接单数相同时完成数多者在前；两者都相同则名次并列。"),
        total_rows=total,
    )


def _praise_table(rows: list[dict[str, Any]], total: int) -> Table:
    """好评排行榜: by the Bayesian average with the stated prior; ties share a rank. Unrated organizations are
    not ranked (they would all sit at the prior)."""
    m, mean = conf.prior_count(), conf.prior_mean()
    note = _(
        "按平滑评分排名：(%(m)s × %(c)s + 全部星级之和) ÷ (%(m)s + 评价数)，即每个组织先计 %(m)s 条 %(c)s 分的"
        "虚拟评价，评价少的组织不会因一两条五星而居前。平滑评分相同时评价数多者在前；都相同则名次并列。"
    ) % {"m": m, "c": mean}
    return Table(
        "praise",
        _("好评排行榜"),
        [
            *ORG_COLUMNS,
            Column("smoothed_rating", _("平滑评分"), "rating"),
            Column("rated", _("评价数"), "int"),
            Column("average_rating", _("平均星级"), "rating"),
            Column("praise_rate", _("好评率"), "rate"),
            Column("completed", _("完成数"), "int"),
        ],
        rows,
        note=note,
        total_rows=total,
        meta={"prior_count": m, "prior_mean": mean},
    )


BOARDS = ("categories", "accepted", "praise")


def leaderboard(
    user: Any,
    kind: str,
    *,
    area: str | None = None,
    period: str | None = None,
    category: str | None = None,
    org_type: str | None = None,
    limit: int | None = None,
    scope: Scope | None = None,
) -> Table:
    """A public leaderboard: the district for anyone, a street too for whoever is signed in; any period,
    category, type."""
    if kind not in BOARDS:
        raise NotFound()
    scope = scope or public_scope(area)
    if not grants_for(user).authenticated and scope.roots and any(a.depth > 2 for a in scope.roots):
        raise ValidationFailed({"area": [_("按街道查看排行榜请先登录；未登录时可查看全区排行榜")]})
    filters = parse_filters(period=period, category=category, org_type=org_type)
    if kind == "categories":
        table = category_board(user, scope, filters, limit)
    else:
        table = org_boards(user, scope, filters, (kind,), limit)[kind]
    table.meta.update(_describe(scope, filters))
    return table


def _describe(scope: Scope, filters: Filters) -> dict[str, Any]:
    return {
        "period": filters.period.code,
        "period_label": filters.period.label,
        "area": [a.code for a in scope.roots] if scope.roots else [],
        "area_label": "、".join(a.display_name for a in scope.roots) if scope.roots else _("全部"),
        "category": filters.category.code if filters.category else "",
        "org_type": filters.org_type or "",
    }


# ---- dashboard ------------------------------------------------------------------------------------------


def series_table(rows: list[dict[str, Any]], filters: Filters) -> Table:
    by_month = {(r["month"] if isinstance(r["month"], date) else date.fromisoformat(r["month"])): r for r in rows}
    out = []
    for month in filters.period.months():
        r = by_month.get(month, {})
        out.append(
            {
                "month": f"{month:%Y-%m}",
                "posted": r.get("posted") or 0,
                **{s.removeprefix("st_"): r.get(s) or 0 for s in STATE_METRICS},
            }
        )
    return Table(
        "series",
        _("按月需求与当前状态"),
        [
            Column("month", _("提交月份")),
            Column("posted", _("需求数"), "int"),
            *(Column(s.value, s.label, "int") for s in State),
        ],
        out,
        note=_("每月提交的需求，按其当前状态分列。"),
        total_rows=len(out),
    )


def _child_label(area: Any, scope_geo: int) -> tuple[int, str]:
    """The row a cell's area falls in: the community for a street's breakdown, the grid (or the community's own
    needs) for a community's."""
    if scope_geo == GEO_STREET and area["level"] == Level.GRID:
        return area["parent_id"], area["parent__short_name"] or area["parent__name"]
    if scope_geo >= GEO_AREA and area["level"] == Level.COMMUNITY:
        return area["pk"], _("%(c)s（未分网格）") % {"c": area["short_name"] or area["name"]}
    return area["pk"], area["short_name"] or area["name"]


def areas_table(user: Any, scope: Scope, filters: Filters) -> Table:
    """需求按区域: a district's streets, a street's communities, a community's grids."""
    group = "street_id" if scope.geo < GEO_STREET else "area_id"
    rows = cells(user, scope, filters, group=(group,), metrics=AREA_METRICS, labels=AREA_LABELS)
    merged: dict[int, dict[str, Any]] = {}
    for r in rows:
        if r["level"] is None:  # not an area (any more)
            continue
        key, label = _child_label({**r, "pk": r[group]}, scope.geo)
        row = merged.setdefault(key, {"area_id": key, "area": label, **dict.fromkeys(AREA_METRICS, 0)})
        for m in AREA_METRICS:
            row[m] += r[m] or 0
    out = []
    for row in merged.values():
        if not row["posted"]:
            continue
        out.append(
            {
                "area_id": row["area_id"],
                "area": row["area"],
                "posted": row["posted"],
                "accepted": row["taken"],
                "completed": row["done"],
                "pending": row["st_pending"],
                "acceptance_rate": _round(ratio(row["taken"], row["posted"])),
                "praise_rate": _round(ratio(row["r4"] + row["r5"], row["rated"])),
            }
        )
    _ranked(out, lambda r: r["posted"], "area_id")
    return Table(
        "areas",
        _("需求按区域"),
        [
            Column("rank", _("名次"), "int"),
            Column("area", _("区域")),
            Column("posted", _("需求数"), "int"),
            Column("accepted", _("接单数"), "int"),
            Column("completed", _("完成数"), "int"),
            Column("pending", _("待确认"), "int"),
            Column("acceptance_rate", _("接单率"), "rate"),
            Column("praise_rate", _("好评率"), "rate"),
        ],
        out,
        total_rows=len(out),
    )


def _in_scope(qs: QuerySet[Any], scope: Scope, field: str) -> QuerySet[Any]:
    if not scope.roots:
        return qs
    where = Q(pk__in=[])
    for a in scope.roots:
        where |= Q(**{f"{field}__path__startswith": a.path})
    return qs.filter(where)


def warnings_table(
    user: Any, scope: Scope, filters: Filters, *, status: str = WarningStatus.OPEN, limit: int | None = None
) -> Table:
    qs = restrict(HotspotWarning.objects.filter(status=status), user, "view")
    qs = _in_scope(qs, scope, "area")
    if filters.category is not None:
        qs = qs.filter(category_id__in=filters.category_ids)
    statuses = dict(WarningStatus.choices)
    fields = (
        "pk",
        "area__short_name",
        "area__name",
        "category__name",
        "recent",
        "baseline_mean",
        "threshold",
        "raised_at",
        "status",
    )
    rows = [
        {
            "id": pk,
            "area": short or name,
            "category": category,
            "recent": recent,
            "baseline_mean": round(mean, 1),
            "threshold": round(threshold, 1),
            "raised_at": timezone.localtime(raised).strftime("%Y-%m-%d %H:%M"),
            "status": str(statuses.get(state, state)),
            "url": f"/insights/warnings/{pk}/",
        }
        for pk, short, name, category, recent, mean, threshold, raised, state in qs.order_by(
            "-raised_at", "-id"
        ).values_list(*fields)[: _limit(limit, MAX_LIMIT)]
    ]
    return Table(
        "warnings",
        _("热点预警"),
        [
            Column("area", _("网格/社区")),
            Column("category", _("服务类别")),
            Column("recent", _("近 7 天需求"), "int"),
            Column("baseline_mean", _("此前周均"), "float"),
            Column("threshold", _("预警阈值"), "float"),
            Column("raised_at", _("预警时间")),
            Column("status", _("状态")),
        ],
        rows,
        note=_(
            "近 7 天需求数 ≥ 3，且 ≥ 此前 8 周周均 + 3 × max(标准差, √周均, 1) 时预警；每格同时只有一条待处置预警。"
        ),
        total_rows=len(rows),
    )


def _facts_in(user: Any, scope: Scope, filters: Filters, qs: QuerySet[OrderFact]) -> QuerySet[OrderFact]:
    """Facts of the orders in the scope the user may see, narrowed like the counters (same columns, same rule)."""
    qs = restrict(qs, user, "view").filter(scope.q())
    if filters.category is not None:
        qs = qs.filter(category_id__in=filters.category_ids)
    if filters.org_type:
        qs = qs.filter(org_id__in=Organization.objects.filter(org_type=filters.org_type).values("pk"))
    return qs


def _order_rows(user: Any, ids: list[int]) -> list[dict[str, Any]]:
    """The listed orders in the given order, read again through the orders' own permission rule."""
    if not ids:
        return []
    found = {
        o.pk: o
        for o in restrict(Order.objects.filter(pk__in=ids), user, "view").select_related(
            "category", "community", "org", "department"
        )
    }
    out = []
    for pk in ids:
        o = found.get(pk)
        if o is None:
            continue
        out.append(
            {
                "id": o.pk,
                "number": o.number,
                "title": o.title,
                "category": o.category.name,
                "community": o.community.display_name,
                "state": o.get_state_display(),
                "holder": o.org.name if o.org else (o.department.name if o.department else ""),
                "created_at": timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
                "deadline": _deadline(o),
                "url": f"/orders/{o.pk}/",
            }
        )
    return out


def _deadline(o: Order) -> str:
    moment = o.accept_by if o.state in (State.PENDING, State.REJECTED, State.FORWARDED) else o.complete_by
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


ORDER_COLUMNS = [
    Column("number", gettext_lazy("编号")),
    Column("title", gettext_lazy("标题")),
    Column("category", gettext_lazy("类别")),
    Column("community", gettext_lazy("社区")),
    Column("state", gettext_lazy("状态")),
    Column("holder", gettext_lazy("承办方")),
    Column("created_at", gettext_lazy("提交时间")),
]


def overdue_table(user: Any, scope: Scope, filters: Filters, limit: int | None = None, *, rows: bool = True) -> Table:
    """Open orders past their deadline now, most overdue first (the period does not apply: today's backlog).
    Read from the facts' open-deadline index (open orders only), then the orders themselves; with
    ``rows=False`` only how many (the dashboard's tile, whose list is one click away)."""
    facts = _facts_in(user, scope, filters, OrderFact.objects.filter(due_at__lt=timezone.now()))
    ids = (
        list(facts.order_by("due_at", "order_id").values_list("order_id", flat=True)[: _limit(limit, MAX_LIMIT)])
        if rows
        else []
    )
    return Table(
        "overdue",
        _("超期未办结订单"),
        [*ORDER_COLUMNS, Column("deadline", _("期限"))],
        _order_rows(user, ids),
        note=_("当前已超过受理或办结期限、仍未办完的订单（不受期间筛选影响）。"),
        total_rows=facts.count(),
    )


def fast_table(user: Any, scope: Scope, filters: Filters, limit: int | None = None) -> Table:
    """Orders completed within INSIGHTS_FAST_CLOSURE_MINUTES of being taken on, posted in the period."""
    facts = _facts_in(
        user,
        scope,
        filters,
        OrderFact.objects.filter(fast=True, month__gte=filters.period.start, month__lte=filters.period.end),
    )
    ids = list(facts.order_by("-order_id").values_list("order_id", flat=True)[: _limit(limit, MAX_LIMIT)])
    return Table(
        "fast",
        _("疑似过快办结"),
        ORDER_COLUMNS,
        _order_rows(user, ids),
        note=_("接单后 %(n)s 分钟内即提交完成的订单，请核实服务是否真实发生。") % {"n": conf.fast_minutes()},
        total_rows=facts.count(),
    )


DASHBOARD_TABLES = ("rates", "series", "categories", "areas", "accepted", "praise", "warnings", "overdue", "fast")
# The list of suspiciously fast closures is read on demand (its count is among the rates).
DEFAULT_TABLES = tuple(t for t in DASHBOARD_TABLES if t != "fast")


@dataclass
class Dashboard:
    scope: Scope
    filters: Filters
    figures: dict[str, Any]
    tables: dict[str, Table]

    def as_dict(self) -> dict[str, Any]:
        return {
            "filters": _describe(self.scope, self.filters),
            "figures": self.figures,
            "tables": {k: {**t.as_dict(), "meta": t.meta} for k, t in self.tables.items()},
        }


def dashboard(
    user: Any,
    *,
    area: str | None = None,
    period: str | None = None,
    category: str | None = None,
    org_type: str | None = None,
    only: str | None = None,
    limit: int | None = None,
) -> Dashboard:
    """A staff member's dashboard for their area (or a part of it): every table, or ``only`` one (for export)."""
    scope = dashboard_scope(user, area)
    filters = parse_filters(period=period, category=category, org_type=org_type)
    if only is not None and only not in DASHBOARD_TABLES:
        raise NotFound()
    wanted = (only,) if only else DEFAULT_TABLES
    tables: dict[str, Table] = {}
    fig: dict[str, Any] = {}
    by_category = None
    if "rates" in wanted or not only:
        # The rates are the sum of the categories' counters: one read serves both tables.
        by_category = _by_category(user, scope, filters, RATE_METRICS)
        fig = figures({m: sum(r[m] or 0 for r in by_category) for m in RATE_METRICS})
        tables["rates"] = rates_table(fig)
    if "series" in wanted:
        tables["series"] = series_table(cells(user, scope, filters, group=("month",), metrics=SERIES_METRICS), filters)
    if "categories" in wanted:
        tables["categories"] = category_board(user, scope, filters, limit, rows=by_category)
    if "areas" in wanted:
        tables["areas"] = areas_table(user, scope, filters)
    if {"accepted", "praise"} & set(wanted):
        tables.update(org_boards(user, scope, filters, tuple(k for k in ("accepted", "praise") if k in wanted), limit))
    if "warnings" in wanted:
        tables["warnings"] = warnings_table(user, scope, filters, limit=limit if only else 10)
    if "overdue" in wanted:
        tables["overdue"] = overdue_table(user, scope, filters, limit, rows=bool(only))
    if "fast" in wanted:
        tables["fast"] = fast_table(user, scope, filters, limit)
    described = _describe(scope, filters)
    for table in tables.values():
        table.meta.update(described)
    return Dashboard(scope, filters, fig, {k: v for k, v in tables.items() if k in wanted})


def dashboard_areas(user: Any) -> list[Area]:
    """The areas a staff member may pick on the dashboard: their own roots and everything below down to grids."""
    scope = dashboard_scope(user)
    qs = Area.objects.filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID])
    if scope.roots:
        where = Q(pk__in=[])
        for a in scope.roots:
            where |= Q(path__startswith=a.path)
        qs = qs.filter(where)
    return list(qs.order_by("path")[:2000])


# ---- warnings -----------------------------------------------------------------------------------------


def warning_list(user: Any, *, status: str | None = WarningStatus.OPEN) -> QuerySet[HotspotWarning]:
    qs = restrict(HotspotWarning.objects.all(), user, "view")
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("area", "category", "handled_by").order_by("-raised_at", "-id")


def warning_detail(user: Any, warning_id: int) -> HotspotWarning:
    return get_for(HotspotWarning.objects.select_related("area", "category", "handled_by"), user, "view", pk=warning_id)


def warning_orders(user: Any, warning: HotspotWarning) -> QuerySet[Order]:
    """The orders behind a warning, as far as the viewer may see them."""
    return (
        restrict(warning.orders.all(), user, "view")
        .select_related("category", "community", "org")
        .order_by("-created_at", "-id")
    )


# ---- annual points ----------------------------------------------------------------------------------------


@dataclass
class Ranking:
    year: int
    frozen: bool
    frozen_at: Any
    weights: dict[str, Any]
    entries: list[dict[str, Any]]


def _visible_org_ids(user: Any) -> set[int] | None:
    """None: every organization's points; otherwise the organizations whose points the user may read."""
    return points_orgs(grants_for(user))


def points_default_year() -> int:
    """The year the points page opens on: the latest that has figures. Last year once it has a frozen ranking or
    any counted orders; otherwise this year (opening on an empty year over told users nothing)."""
    last = timezone.localdate().year - 1
    if PointsSnapshot.objects.filter(year=last).exists() or OrderFact.objects.filter(year=date(last, 1, 1)).exists():
        return last
    return last + 1


def points_ranking(user: Any, year: int) -> Ranking:
    """The frozen ranking of ``year`` if it was frozen, else the live computation (marked provisional)."""
    visible = _visible_org_ids(user)
    if visible == set():
        raise NotFound()
    points.check_year(year)
    snapshot = PointsSnapshot.objects.filter(year=year).first()
    if snapshot is not None:
        entries = restrict(PointsEntry.objects.filter(snapshot=snapshot), user, "view").select_related("org")
        rows = [
            {"rank": e.rank, "org_id": e.org_id, "org": e.org.name, "total": str(e.total), "items": e.items}
            for e in entries.order_by("rank", "org_id")
        ]
        return Ranking(year, True, snapshot.frozen_at, snapshot.weights, rows)
    ranking = points.compute(year)
    rows = [
        {
            "rank": e.rank,
            "org_id": e.org_id,
            "org": e.org_name,
            "total": str(e.total),
            "items": [i.as_dict() for i in e.items],
        }
        for e in ranking
        if visible is None or e.org_id in visible
    ]
    return Ranking(year, False, None, {k: str(v) for k, v in points.weights_for(year).items()}, rows)


def org_points(user: Any, *, org_id: int, year: int) -> dict[str, Any]:
    """One organization's points for ``year``, item by item (404 for whoever may not read them)."""
    ranking = points_ranking(user, year)
    for row in ranking.entries:
        if row["org_id"] == org_id:
            return {
                **row,
                "year": year,
                "frozen": ranking.frozen,
                "weights": ranking.weights,
                "out_of": len(ranking.entries) if _visible_org_ids(user) is None else None,
            }
    raise NotFound()


def frozen_points(user: Any, *, org_id: int, year: int) -> PointsEntry | None:
    """For project calls and reviewers: an organization's frozen entry of ``year``, or None if not frozen yet.
    Through the chokepoint: reviewers and civil affairs staff read every entry, an organization its own."""
    points.check_year(year)
    return (
        restrict(PointsEntry.objects.filter(snapshot__year=year, org_id=org_id), user, "view")
        .select_related("snapshot")
        .first()
    )


def public_boards_filters(user: Any) -> dict[str, Any]:
    """Choices for the leaderboard filters: districts and streets, categories, organization types."""
    return {
        "areas": list(Area.objects.filter(level__in=[Level.DISTRICT, Level.STREET]).order_by("path")),
        "categories": list(Category.objects.filter(active=True).select_related("parent").order_by("sort", "code")),
        "org_types": OrgType.choices,
    }


def period_choices(today: date | None = None) -> list[tuple[str, str]]:
    today = today or timezone.localdate()
    out = [
        (str(today.year), _("%(y)s 年") % {"y": today.year}),
        (str(today.year - 1), _("%(y)s 年") % {"y": today.year - 1}),
    ]
    q = (today.month - 1) // 3 + 1
    out.append((f"{today.year}-Q{q}", _("本季度")))
    out.append((f"{today:%Y-%m}", _("本月")))
    twelve = date(today.year - 1, today.month, 1)
    twelve = date(twelve.year + (twelve.month == 12), twelve.month % 12 + 1, 1)
    out.append((f"{twelve:%Y-%m}:{today:%Y-%m}", _("最近 12 个月")))
    return out
