"""Reading the counters: period and filter parsing, the viewer's scope, and the choice of grain.

Every read goes through ``restrict(Tally…, user, action)``: ``view`` gives staff the cells of their area
subtree (and organization people the cells of their organization), ``publish`` gives every signed-in
person the district- and street-level cells behind the public leaderboards.

A query asks for some dimensions (to filter or to group by); the smallest grain that keeps them is
read, yearly cells for whole calendar years and monthly cells for the rest of the period. A district's
leaderboard of a year sums one row per organization, whatever the number of orders. The WHERE clause
(permission rule, scope, filters) is compiled by the ORM once per request; the SUM lists are written
directly, as compiling dozens of SUM expressions through the ORM costs more than running them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for, restrict
from gongzhi.areas.models import Area, Level
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.insights.facts import GEO_AREA, GEO_DISTRICT, GEO_STREET, GRAINS, MONTH, YEAR, YTD, Grain, month_of
from gongzhi.insights.models import Tally
from gongzhi.orders.models import Category
from gongzhi.orgs.models import Organization, OrgType

STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
MAX_MONTHS = 120
PERIOD_HELP = "期间格式：2026（全年）、2026-Q3（季度）、2026-05（月份）或 2026-01:2026-06（月份区间）"


# ---- period ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date  # first day of the first month
    end: date  # first day of the last month
    label: str

    def months(self) -> list[date]:
        out, d = [], self.start
        while d <= self.end:
            out.append(d)
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        return out

    @property
    def code(self) -> str:
        if self.start.month == 1 and self.end == date(self.start.year, 12, 1):
            return str(self.start.year)
        if self.start == self.end:
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m}:{self.end:%Y-%m}"


def _month(text: str) -> date:
    y, m = text.split("-")
    return date(int(y), int(m), 1)


def parse_period(text: str | None, today: date | None = None) -> Period:
    """'' (this year), 2026, 2026-Q3, 2026-05 or 2026-01:2026-06; anything else is a 422 saying the format."""
    text = (text or "").strip()
    today = today or timezone.localdate()
    try:
        if not text:
            return Period(date(today.year, 1, 1), date(today.year, 12, 1), _("%(y)s 年") % {"y": today.year})
        if re.fullmatch(r"\d{4}", text):
            return Period(date(int(text), 1, 1), date(int(text), 12, 1), _("%(y)s 年") % {"y": text})
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            y, q = int(m[1]), int(m[2])
            return Period(date(y, 3 * q - 2, 1), date(y, 3 * q, 1), _("%(y)s 年第 %(q)s 季度") % {"y": y, "q": q})
        if re.fullmatch(r"\d{4}-\d{1,2}", text):
            d = _month(text)
            return Period(d, d, _("%(y)s 年 %(m)s 月") % {"y": d.year, "m": d.month})
        if m := re.fullmatch(r"(\d{4}-\d{1,2}):(\d{4}-\d{1,2})", text):
            a, b = _month(m[1]), _month(m[2])
            if b < a:
                raise ValidationFailed({"period": [_("期间的结束月份不能早于开始月份")]})
            if (b.year - a.year) * 12 + b.month - a.month >= MAX_MONTHS:
                raise ValidationFailed({"period": [_("期间最长 %(n)s 个月") % {"n": MAX_MONTHS}]})
            return Period(a, b, f"{a:%Y-%m} — {b:%Y-%m}")
    except ValueError:
        pass
    raise ValidationFailed({"period": [_(PERIOD_HELP)]})


# ---- scope ----------------------------------------------------------------------------------------


def path_depth(path: str) -> int:
    return path.count("/") - 1


def geo_of_depth(depth: int) -> int:
    return GEO_DISTRICT if depth <= 2 else GEO_STREET if depth == 3 else GEO_AREA


def _load_geo(paths: list[str], cache: dict[str, Area]) -> None:
    """Put in ``cache`` (path → Area) the areas the subtrees of ``paths`` are matched by, in one query: each
    root, the districts under a province or city, everything under a community or grid."""
    missing = [p for p in paths if p not in cache]
    if not missing:
        return
    where = Q(pk__in=[])
    for p in missing:
        depth = path_depth(p)
        where |= Q(path=p)
        if depth <= 1:
            where |= Q(path__startswith=p, level=Level.DISTRICT)
        elif depth >= 4:
            where |= Q(path__startswith=p)
    for area in Area.objects.filter(where):
        cache[area.path] = area


def geo_q(paths: list[str], cache: dict[str, Area]) -> Q:
    """The cells of the orders in these area subtrees, at the grain's own level of detail: a district by its id,
    a street by its id, a community or grid by the ids of the areas under it. A cell of a grain too coarse for
    the subtree has 0 in that column and so never matches: a coarse grain cannot leak. Ids are resolved once
    (``cache``) and written into the query as literals, so the database plans a plain index lookup."""
    _load_geo(paths, cache)
    where = Q(pk__in=[])
    for p in paths:
        depth = path_depth(p)
        under = [a for path, a in cache.items() if path.startswith(p)]
        if depth <= 2:
            where |= Q(district_id__in=[a.pk for a in under if a.level == Level.DISTRICT] or [0])
        elif depth == 3:
            where |= Q(street_id__in=[a.pk for a in under if a.path == p] or [0])
        else:
            where |= Q(area_id__in=[a.pk for a in under] or [0])
    return where


def geo_cache(grants: Any) -> dict[str, Area]:
    """The resolved areas of one request (kept on its grants, which live as long as the request's user). A path
    in it has what it is matched by in it too (``_load_geo``): a granted district or street is matched by its
    own id, so the one read with the grants is already resolved; a community needs its grids read."""
    cache = getattr(grants, "_insights_geo", None)
    if cache is None:
        cache = {p: a for p, a in grants.areas.items() if path_depth(p) in (2, 3)}
        grants._insights_geo = cache
    return cache


@dataclass(frozen=True)
class Scope:
    """What a query covers: area subtrees (``roots``; None = everything the action allows)."""

    action: str
    roots: tuple[Area, ...] | None
    cache: dict[str, Area] = field(default_factory=dict, compare=False, repr=False)
    compiled: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)  # see _readable

    @property
    def geo(self) -> int:
        if not self.roots:
            return GEO_DISTRICT
        return max(geo_of_depth(a.depth) for a in self.roots)

    def q(self) -> Q:
        if not self.roots:
            return Q()
        return geo_q([a.path for a in self.roots], self.cache)


def dashboard_scope(user: Any, area_code: str | None = None) -> Scope:
    """The staff member's area subtrees (admins: everything), or the one area asked for inside them (404 if outside)."""
    grants = grants_for(user)
    paths = grants.area_paths(*STAFF)
    if not grants.is_admin and not paths:
        raise NotFound()
    cache = geo_cache(grants)
    code = (area_code or "").strip()
    if code:
        area = Area.objects.filter(code=code).first()
        if area is None or not (grants.is_admin or any(area.path.startswith(p) for p in paths)):
            raise NotFound()
        return Scope("view", (area,), cache)
    if grants.is_admin:
        return Scope("view", None, cache)
    _load_geo(paths, cache)
    return Scope("view", tuple(sorted((cache[p] for p in set(paths) if p in cache), key=lambda a: a.path)), cache)


def public_scope(area_code: str | None = None) -> Scope:
    """Public leaderboards: the whole platform, or one district or street (no finer: small cells tell too much)."""
    code = (area_code or "").strip()
    if not code:
        return Scope("publish", None)
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise ValidationFailed({"area": [_("找不到区域“%(c)s”") % {"c": code}]})
    if area.depth > 3:
        raise ValidationFailed({"area": [_("排行榜可按区县或街道筛选；社区和网格的统计请在“统计”页面查看")]})
    return Scope("publish", (area,))


# ---- filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    period: Period
    category: Category | None = None
    org_type: str | None = None
    category_ids: tuple[int, ...] = ()  # the category and its children


def parse_filters(
    *, period: str | None = None, category: str | None = None, org_type: str | None = None, today: date | None = None
) -> Filters:
    cat = None
    if category:
        cat = Category.objects.filter(code=category.strip()).first()
        if cat is None:
            raise ValidationFailed({"category": [_("找不到服务类别“%(c)s”") % {"c": category}]})
    if org_type and org_type not in OrgType.values:
        raise ValidationFailed({"org_type": [_("组织类型只能是：%(v)s") % {"v": "、".join(OrgType.values)}]})
    ids = (cat.pk, *Category.objects.filter(parent=cat).values_list("pk", flat=True)) if cat else ()
    return Filters(parse_period(period, today), cat, org_type or None, ids)


# ---- the query --------------------------------------------------------------------------------------


def pick_grain(geo: int, *, category: bool, org: bool, period: str = MONTH) -> Grain:
    """The smallest grain of ``period`` cells keeping these dimensions (LookupError: none has them)."""
    for grain in GRAINS:
        if grain.period == period and grain.serves(geo, category, org):
            return grain
    raise LookupError("no grain keeps these dimensions")


GROUP_DIMS = {"street_id": GEO_STREET, "area_id": GEO_AREA}


@dataclass(frozen=True)
class Parts:
    """The cells a period is summed from: yearly cells of ``years``, monthly cells of ``ranges`` and
    year-to-date cells of ``ytd`` added; monthly cells of ``minus`` and year-to-date cells of ``ytd_minus``
    subtracted. Every metric is a count or a sum, so a difference of cells is exactly the orders between."""

    years: tuple[date, ...] = ()
    ranges: tuple[tuple[date, date], ...] = ()
    minus: tuple[tuple[date, date], ...] = ()
    ytd: tuple[date, ...] = ()
    ytd_minus: tuple[date, ...] = ()


def _add_months(d: date, n: int) -> date:
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


def split_period(period: Period, current: date | None = None, *, ytd: bool = False) -> Parts:
    """Per calendar year the period touches, the cheapest exact sum, counted in cell sets read (a month
    after ``current``, this month by default, has no cells yet and costs nothing):
    - its months one by one;
    - the year's yearly cells less the months outside the period;
    - with ``ytd`` (the grain keeps year-to-date cells): year to date at the last month (or the year) less
      year to date at the month before the first — two sets for any run of months.
    A rolling 12 months then reads at most three sets, whatever the month."""
    current = current or month_of(timezone.now())
    years: list[date] = []
    ranges: list[tuple[date, date]] = []
    minus: list[tuple[date, date]] = []
    plus_ytd: list[date] = []
    less_ytd: list[date] = []
    for y in range(period.start.year, period.end.year + 1):
        a, b = max(period.start, date(y, 1, 1)), min(period.end, date(y, 12, 1))
        if a.month == 1 and b.month == 12:
            years.append(a)
            continue
        cost_months = sum(1 for m in range(a.month, b.month + 1) if date(y, m, 1) <= current)
        cost_year = 1 + sum(1 for m in range(1, 13) if not a.month <= m <= b.month and date(y, m, 1) <= current)
        cost_ytd = (1 + (a.month > 1)) if ytd else 13
        # On a tie, months (the smallest sets), then year to date (no sets for months to come).
        best = min((cost_months, 0), (cost_ytd, 1), (cost_year, 2))[1]
        if best == 1:
            if b.month == 12:
                years.append(date(y, 1, 1))
            else:
                plus_ytd.append(b)
            if a.month > 1:
                less_ytd.append(_add_months(a, -1))
        elif best == 2:
            years.append(date(y, 1, 1))
            if a.month > 1:
                minus.append((date(y, 1, 1), _add_months(a, -1)))
            if b.month < 12:
                minus.append((_add_months(b, 1), date(y, 12, 1)))
        elif ranges and ranges[-1][1] == _add_months(a, -1):
            ranges[-1] = (ranges[-1][0], b)  # months running on from the previous year's: one range
        else:
            ranges.append((a, b))
    return Parts(tuple(years), tuple(ranges), tuple(minus), tuple(plus_ytd), tuple(less_ytd))


def _readable(user: Any, scope: Scope, filters: Filters) -> tuple[str, list[Any]] | None:
    """The WHERE clause of the cells ``user`` may read in ``scope`` under ``filters``: the permission rule
    (``restrict``), the scope and the filters, compiled by Django once per request and reused by every
    query of the request. None: nothing is readable."""
    key = (scope.action, filters.category_ids, filters.org_type)
    if key not in scope.compiled:
        qs = restrict(Tally.objects.all(), user, scope.action).filter(scope.q())
        if filters.category is not None:
            qs = qs.filter(category_id__in=filters.category_ids)
        if filters.org_type:
            qs = qs.filter(org_id__in=Organization.objects.filter(org_type=filters.org_type).values("pk"))
        try:
            where, params = qs.query.get_compiler(using=qs.db).compile(qs.query.where)
        except EmptyResultSet:
            scope.compiled[key] = None
        except FullResultSet:  # no condition at all (an administrator, everything)
            scope.compiled[key] = ("", [])
        else:
            scope.compiled[key] = (where, list(params))
    return scope.compiled[key]


def _when(scope: Scope, filters: Filters, group: tuple[str, ...]) -> tuple[str, list[Any], str, list[Any]]:
    """Which cells: the smallest grain keeping the dimensions asked for, each part of the period from the
    cheapest cells (``split_period``). Returns the condition of the cells to add and of those to subtract
    ("" when none)."""
    geo = max([scope.geo, *(GROUP_DIMS.get(g, GEO_DISTRICT) for g in group)])
    category = bool(filters.category) or "category_id" in group
    org = bool(filters.org_type) or "org_id" in group
    monthly = pick_grain(geo, category=category, org=org).code
    try:
        ytd: int | None = pick_grain(geo, category=category, org=org, period=YTD).code
    except LookupError:  # community levels keep no year-to-date cells
        ytd = None
    parts = (
        split_period(filters.period, ytd=ytd is not None)
        if "month" not in group
        else Parts(ranges=((filters.period.start, filters.period.end),))
    )
    quote, table = connection.ops.quote_name, connection.ops.quote_name(Tally._meta.db_table)
    grain, month = f"{table}.{quote('grain')}", f"{table}.{quote('month')}"
    day = connection.ops.adapt_datefield_value

    def months(ranges: tuple[tuple[date, date], ...]) -> tuple[list[str], list[Any]]:
        sql, params = [], []
        for a, b in ranges:
            if a == b:  # an equality keeps the rest of the cell key usable in the index (SQLite)
                sql.append(f"({grain} = %s AND {month} = %s)")
                params += [monthly, day(a)]
            else:
                sql.append(f"({grain} = %s AND {month} >= %s AND {month} <= %s)")
                params += [monthly, day(a), day(b)]
        return sql, params

    def at(code: int | None, days: tuple[date, ...]) -> tuple[list[str], list[Any]]:
        if not days:
            return [], []
        if len(days) == 1:
            return [f"({grain} = %s AND {month} = %s)"], [code, day(days[0])]
        return [f"({grain} = %s AND {month} IN ({', '.join(['%s'] * len(days))}))"], [code, *map(day, days)]

    yearly = pick_grain(geo, category=category, org=org, period=YEAR).code
    added, params = [], []
    for sql, p in (at(yearly, parts.years), at(ytd, parts.ytd), months(parts.ranges)):
        added += sql
        params += p
    less, less_params = [], []
    for sql, p in (at(ytd, parts.ytd_minus), months(parts.minus)):
        less += sql
        less_params += p
    return "(" + " OR ".join(added) + ")", params, ("(" + " OR ".join(less) + ")") if less else "", less_params


@dataclass(frozen=True)
class Labels:
    """What a group is shown by (a name, a type…), read in the same query by joining the table the group
    column points at — no second query with hundreds of ids."""

    model: Any
    columns: tuple[tuple[str, str], ...]  # (column, key in the row)
    parent: tuple[tuple[str, str], ...] = ()  # columns of the row's parent (same table, by parent_id)


def _sum_sql(where: str, less: str, group: tuple[str, ...], metrics: tuple[str, ...], labels: Labels | None) -> str:
    """SELECT group, SUM(metric)… FROM the counters WHERE ``where`` (less the cells WHERE ``less``): written
    here rather than through the ORM, because compiling dozens of SUM expressions costs more than the query
    itself. ``labels`` joins what the (single) group column points at to the summed rows — after the sum,
    so the join and the grouping see one row per group with integer keys, not every cell with its names."""
    quote = connection.ops.quote_name
    table = quote(Tally._meta.db_table)
    source = quote("cell") if less else table
    keys = ", ".join(f"{source}.{quote(g)}" for g in group)
    sums = ", ".join(f"SUM({source}.{quote(m)}) AS {quote(m)}" for m in metrics)
    sql = f"SELECT {keys}, {sums} FROM "  # noqa: S608 - our own identifiers
    if less:  # the added cells and the subtracted ones (negated), summed as one
        cols = ", ".join(f"{table}.{quote(c)}" for c in group)
        plus = ", ".join(f"{table}.{quote(m)} AS {quote(m)}" for m in metrics)
        minus = ", ".join(f"-{table}.{quote(m)} AS {quote(m)}" for m in metrics)
        sql += (
            f"(SELECT {cols}, {plus} FROM {table} WHERE {where} "  # noqa: S608 - our own identifiers
            f"UNION ALL SELECT {cols}, {minus} FROM {table} WHERE {less}) {source}"
        )
    else:
        sql += f"{table} WHERE {where}"
    sql += f" GROUP BY {keys}"
    if labels is None:
        return sql
    summed, lbl, up = quote("summed"), quote("lbl"), quote("lbl_parent")
    target, key = quote(labels.model._meta.db_table), quote(group[0])
    columns = [f"{summed}.{quote(g)}" for g in group] + [f"{lbl}.{quote(c)}" for c, _key in labels.columns]
    joins = f" LEFT JOIN {target} {lbl} ON {lbl}.{quote('id')} = {summed}.{key}"
    if labels.parent:
        columns += [f"{up}.{quote(c)}" for c, _key in labels.parent]
        joins += f" LEFT JOIN {target} {up} ON {up}.{quote('id')} = {lbl}.{quote('parent_id')}"
    columns += [f"{summed}.{quote(m)}" for m in metrics]
    return f"SELECT {', '.join(columns)} FROM ({sql}) {summed}{joins}"  # noqa: S608 - our own identifiers


def _where(user: Any, scope: Scope, filters: Filters, group: tuple[str, ...]) -> tuple[str, str, list[Any]] | None:
    """The conditions of the cells to add and to subtract ("" when none) for ``group``, each with what the user
    may read, and their parameters in order; None: nothing is readable."""
    readable = _readable(user, scope, filters)
    if readable is None:
        return None
    when, params, less, less_params = _when(scope, filters, group)
    if readable[0]:
        when, params = f"{when} AND ({readable[0]})", [*params, *readable[1]]
        if less:
            less, less_params = f"{less} AND ({readable[0]})", [*less_params, *readable[1]]
    return when, less, [*params, *less_params]


def cell_rows(
    user: Any,
    scope: Scope,
    filters: Filters,
    *,
    group: tuple[str, ...],
    metrics: tuple[str, ...],
    labels: Labels | None = None,
) -> list[tuple[Any, ...]]:
    """The counters summed per ``group``, over the cells the user may read, as tuples: the group columns, the
    labelled columns (``labels``, one group column) and the metrics, in that order."""
    where = _where(user, scope, filters, group)
    if where is None:
        return []
    when, less, params = where
    with connection.cursor() as cursor:
        cursor.execute(_sum_sql(when, less, group, metrics, labels), params)
        return cursor.fetchall()


def cells(
    user: Any,
    scope: Scope,
    filters: Filters,
    *,
    group: tuple[str, ...],
    metrics: tuple[str, ...],
    labels: Labels | None = None,
) -> list[dict[str, Any]]:
    """``cell_rows`` as dicts by column name (the labelled columns by their keys in ``labels``)."""
    names = (*group, *((k for _c, k in (*labels.columns, *labels.parent)) if labels else ()), *metrics)
    rows = [
        dict(zip(names, row, strict=True))
        for row in cell_rows(user, scope, filters, group=group, metrics=metrics, labels=labels)
    ]
    if "month" in group:
        for r in rows:
            r["month"] = _as_date(r["month"])
    return rows


def _as_date(value: Any) -> date:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value
