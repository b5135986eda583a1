"""A realistic history of many orders, written fast (COPY on PostgreSQL, executemany on SQLite).

Used by ``gongzhi demo --orders N`` and by the benchmark. Each order's life is simulated as the services
would have written it — events, rating, ledger entry, deadlines in working days — and cut off at "now",
so recent orders are still open and some are overdue. The counters are written consistently (facts
from the same ``facts.fact_of``, cells by the set-based rebuild), so ``gongzhi insights verify`` passes.

Distributions (seeded, so a run is reproducible): more needs in recent months and on weekday office
hours; categories weighted towards elderly care and repairs; communities of very different size (all
Putuo communities, grids where they exist); ~500 organizations (for large N) each serving a street and
two or three fields, with a few big ones taking most work; each organization with its own speed,
rating level and reopen rate, and a handful that close suspiciously fast. One grid gets a surge of
repair requests in the last days, so the hot-spot warning has something to find.

Shortcuts, stated: no service photos are stored (ledger ``photos_count`` 0); bulk history gets one
summary audit entry instead of one per event; no notifications are sent for it.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from gongzhi.accounts.models import Grant, Role, User
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import audit_record
from gongzhi.insights.facts import FACT_FIELDS, LOCAL, fact_of
from gongzhi.insights.models import OrderFact
from gongzhi.insights.store import bulk_insert, fact_rows, foreign_keys_checked_later, validate_foreign_keys
from gongzhi.orders.models import Category, LedgerEntry, Order, OrderEvent, Rating, ResponsibilityRule
from gongzhi.orgs.models import Department, Organization, OrgStatus, OrgType
from gongzhi.workdays.selectors import CalendarYearMissing, add_working_days, china_date

DISTRICT = "330903"
MARK = "演示数据：批量生成的社会组织"
BATCH = 20000
LOADED = (Order, OrderEvent, Rating, LedgerEntry, OrderFact)
MIN = 60.0

CATEGORY_WEIGHTS = {
    "elderly_care": 14,
    "elderly_meal": 10,
    "elderly_visit": 8,
    "disability": 5,
    "youth_tutoring": 6,
    "mediation_neighbour": 6,
    "legal": 4,
    "counseling": 4,
    "health_checkup": 7,
    "culture": 6,
    "sanitation": 7,
    "property_repair": 9,
    "employment": 3,
    "other": 3,
}
FIELDS = {  # an organization's field → the categories it serves
    "养老": ["elderly_care", "elderly_meal", "elderly_visit"],
    "助残": ["disability", "elderly_care"],
    "青少年": ["youth_tutoring", "counseling"],
    "调解": ["mediation_neighbour", "legal"],
    "法律": ["legal"],
    "心理": ["counseling"],
    "健康": ["health_checkup", "elderly_visit"],
    "文体": ["culture"],
    "环境": ["sanitation"],
    "物业": ["property_repair", "sanitation"],
    "就业": ["employment"],
    "综合": ["other", "elderly_visit", "culture"],
}
PREFIXES = [
    "海韵",
    "和美",
    "暖阳",
    "邻里",
    "乐龄",
    "阳光",
    "同心",
    "善行",
    "爱心",
    "康宁",
    "星辰",
    "绿洲",
    "渔港",
    "海岛",
    "金塘",
    "莲花",
    "东海",
    "晨曦",
    "安馨",
    "惠民",
    "润泽",
    "朝阳",
    "启航",
    "馨家",
    "益众",
]
SUFFIXES = [
    ("社会工作服务中心", OrgType.SERVICE_INSTITUTION, 4),
    ("服务社", OrgType.SERVICE_INSTITUTION, 2),
    ("协会", OrgType.SOCIAL_GROUP, 2),
    ("志愿服务队", OrgType.COMMUNITY_GROUP, 4),
    ("互助会", OrgType.COMMUNITY_GROUP, 2),
    ("公益基金会", OrgType.FOUNDATION, 1),
]
TITLES = {
    "elderly_care": ["独居老人日常照料", "助浴服务", "上门打扫卫生"],
    "elderly_meal": ["老年助餐送餐", "午餐送餐上门"],
    "elderly_visit": ["空巢老人探访", "高龄老人陪伴聊天"],
    "disability": ["轮椅维修", "残疾人出行协助"],
    "youth_tutoring": ["暑期儿童托管", "课后作业辅导"],
    "mediation_neighbour": ["楼上漏水纠纷", "邻里噪音纠纷"],
    "legal": ["工资拖欠咨询", "遗产继承咨询"],
    "counseling": ["青少年心理疏导", "老人情绪疏导"],
    "health_checkup": ["慢病老人上门体检", "上门量血压"],
    "culture": ["广场舞场地协调", "社区合唱排练"],
    "sanitation": ["楼道垃圾清理", "垃圾分类督导"],
    "property_repair": ["楼道灯不亮", "水管漏水维修", "门锁损坏"],
    "employment": ["失业人员技能培训", "求职信息咨询"],
    "other": ["旧衣物捐赠", "代购生活用品"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
CALLS = ["先生", "女士", "阿姨", "大爷", "奶奶"]


# ---- raw writing -------------------------------------------------------------------------------------

_JSON_CACHE: dict[Any, str] = {}


def _json(value: Any) -> str:
    # Event data repeat a handful of shapes ({}, {"channel": "web"} …): encode each shape once.
    key = tuple(sorted(value.items())) if isinstance(value, dict) else repr(value)
    if key not in _JSON_CACHE:
        _JSON_CACHE[key] = json.dumps(value, ensure_ascii=False)
    return _JSON_CACHE[key]


def _sqlite_datetime(v: datetime | None) -> str | None:
    return None if v is None else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _converter(f: models.Field, sqlite: bool) -> Callable[[Any], Any] | None:
    """How a value must be handed to the raw driver; None when as is."""
    if isinstance(f, models.JSONField):
        return _json
    if not sqlite:
        return None
    if isinstance(f, models.DateTimeField):
        return _sqlite_datetime
    if isinstance(f, models.DateField):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(f, models.BooleanField):
        return lambda v: None if v is None else int(v)
    return None


@dataclass
class Sink:
    """Rows of one table, columns from the model (so a column added later gets its default)."""

    model: type[models.Model]
    with_id: bool
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        sqlite = connection.vendor == "sqlite"
        fields = [f for f in self.model._meta.concrete_fields if self.with_id or not f.primary_key]
        self.columns = [str(f.column) for f in fields]
        self.defaults = {f.attname: None if f.primary_key else f.get_default() for f in fields}
        self.pick = itemgetter(*(f.attname for f in fields))
        self.convert = [(i, c) for i, f in enumerate(fields) if (c := _converter(f, sqlite)) is not None]

    def add(self, values: dict[str, Any]) -> None:
        row = self.pick({**self.defaults, **values})
        if self.convert:
            row = list(row)
            for i, conv in self.convert:
                row[i] = conv(row[i])
            row = tuple(row)
        self.rows.append(row)

    def flush(self) -> int:
        n = bulk_insert(self.model, self.columns, self.rows)
        self.rows = []
        return n


# ---- the world: areas, organizations, people -------------------------------------------------------------


@dataclass
class Community:
    area: Area
    street_id: int
    district_id: int
    grids: list[Area]
    weight: float
    resident_ids: list[int] = field(default_factory=list)
    worker_id: int = 0


@dataclass
class Org:
    id: int
    street_ids: set[int]
    categories: set[str]
    size: float
    speed: float
    stars: float
    reopen: float
    fast: float
    admin_id: int | None = None


def _communities(rng: random.Random) -> list[Community]:
    district = Area.objects.get(code=DISTRICT)
    grids: dict[int, list[Area]] = {}
    for g in Area.objects.filter(level=Level.GRID, path__startswith=district.path).order_by("code"):
        grids.setdefault(g.parent_id or 0, []).append(g)
    out = []
    for c in Area.objects.filter(level=Level.COMMUNITY, path__startswith=district.path).select_related("parent"):
        street = c.parent
        assert street is not None  # a community always lies in a street or town
        out.append(Community(c, street.pk, street.parent_id or 0, grids.get(c.pk, []), rng.lognormvariate(0, 0.8)))
    return out


def _org_name(rng: random.Random, street: str, taken: set[str]) -> tuple[str, str, str]:
    for _attempt in range(50):
        field_name = rng.choice(list(FIELDS))
        suffix, org_type, _w = rng.choices(SUFFIXES, weights=[s[2] for s in SUFFIXES])[0]
        name = f"普陀区{street}{rng.choice(PREFIXES)}{field_name}{suffix}"
        if name not in taken:
            taken.add(name)
            return name, field_name, org_type
    name = f"普陀区{street}{rng.choice(PREFIXES)}综合服务社{len(taken)}"
    taken.add(name)
    return name, "综合", OrgType.SERVICE_INSTITUTION


def _traits(rng: random.Random, org_id: int, streets: set[int], categories: set[str]) -> Org:
    gamer = rng.random() < 0.04
    return Org(
        org_id,
        streets,
        categories,
        size=rng.paretovariate(1.3),
        speed=rng.lognormvariate(0, 0.5),
        stars=min(4.9, max(3.0, rng.gauss(4.3, 0.35))),
        reopen=rng.choice([0.01, 0.02, 0.03, 0.06]),
        fast=0.35 if gamer else 0.005,
    )


def _organizations(rng: random.Random, n_orders: int, communities: list[Community], now: datetime) -> list[Org]:
    """Existing active organizations plus synthetic ones up to ~500 (fewer for small histories)."""
    streets = {c.street_id: c for c in communities}
    street_names = {a.pk: a.short_name or a.name for a in Area.objects.filter(pk__in=list(streets))}
    wanted = max(20, min(500, n_orders // 2000))
    existing = list(Organization.objects.filter(summary=MARK))
    taken = set(Organization.objects.values_list("name", flat=True))
    new = []
    for _k in range(wanted - len(existing)):
        street_id = rng.choice(list(streets))
        name, field_name, org_type = _org_name(rng, street_names[street_id].replace("街道", ""), taken)
        new.append(
            (
                Organization(
                    name=name,
                    org_type=org_type,
                    status=OrgStatus.ACTIVE,
                    summary=MARK,
                    categories=field_name,
                    home_area=streets[street_id].area,
                    registered_on=(now - timedelta(days=rng.randint(400, 4000))).date(),
                ),
                street_id,
            )
        )
    Organization.objects.bulk_create([o for o, _s in new], batch_size=500)
    through = Organization.areas_served.through
    created = list(Organization.objects.filter(summary=MARK).exclude(pk__in=[o.pk for o in existing]))
    home = {o.name: s for o, s in new}
    through.objects.bulk_create([through(organization_id=o.pk, area_id=home[o.name]) for o in created], batch_size=2000)
    orgs = []
    served: dict[int, set[int]] = {}
    for org_id, area_id in through.objects.filter(organization__in=existing + created).values_list(
        "organization_id", "area_id"
    ):
        served.setdefault(org_id, set()).add(area_id)
    for o in existing + created:
        cats = set()
        for f in (o.categories or "综合").split():
            cats |= set(FIELDS.get(f, FIELDS["综合"]))
        orgs.append(_traits(rng, o.pk, served.get(o.pk, set()), cats))
    admins = dict(Grant.objects.filter(role=Role.ORG_ADMIN).order_by("-pk").values_list("organization_id", "user_id"))
    for o in (
        Organization.objects.filter(status__in=[OrgStatus.ACTIVE, OrgStatus.REGISTERED, OrgStatus.FILED])
        .exclude(summary=MARK)
        .prefetch_related("areas_served")
    ):
        street_ids: set[int] = set()
        for a in o.areas_served.all():
            if a.level == Level.DISTRICT:
                street_ids |= set(streets)
            elif a.level in (Level.STREET, Level.COMMUNITY):
                street_ids.add(a.pk if a.level == Level.STREET else a.parent_id or 0)
        org = _traits(rng, o.pk, street_ids, set(CATEGORY_WEIGHTS))
        org.admin_id = admins.get(o.pk)
        orgs.append(org)
    return orgs


def _people(communities: list[Community], orgs: list[Org]) -> None:
    """Synthetic residents (requesters) and a community worker per community, an admin per generated org."""
    existing = set(User.objects.filter(username__startswith="gen_").values_list("username", flat=True))
    locked = make_password(None)  # demo people never sign in
    users, grants = [], []
    for c in communities:
        names = [f"gen_cw_{c.area.code}"] + [f"gen_r_{c.area.code}_{k}" for k in range(8)]
        for n in names:
            if n not in existing:
                users.append(
                    User(username=n, password=locked, display_name="演示居民" if "_r_" in n else "演示社区工作者")
                )
    gen_orgs = {o.pk for o in Organization.objects.filter(summary=MARK)}
    for org in orgs:
        n = f"gen_org_{org.id}"
        if org.id in gen_orgs and n not in existing:
            users.append(User(username=n, password=locked, display_name="演示组织管理员"))
    User.objects.bulk_create(users, batch_size=2000)
    ids = dict(User.objects.filter(username__startswith="gen_").values_list("username", "pk"))
    have = set(Grant.objects.filter(user_id__in=ids.values()).values_list("user_id", flat=True))
    for c in communities:
        c.worker_id = ids[f"gen_cw_{c.area.code}"]
        c.resident_ids = [ids[f"gen_r_{c.area.code}_{k}"] for k in range(8)]
        if c.worker_id not in have:
            grants.append(Grant(user_id=c.worker_id, role=Role.COMMUNITY_WORKER, area=c.area))
            for k, rid in enumerate(c.resident_ids):
                home = c.grids[k % len(c.grids)] if c.grids else c.area
                grants.append(Grant(user_id=rid, role=Role.RESIDENT, area=home))
    for org in orgs:
        uid = ids.get(f"gen_org_{org.id}")
        if uid:
            org.admin_id = uid
            if uid not in have:
                grants.append(Grant(user_id=uid, role=Role.ORG_ADMIN, organization_id=org.id))
    Grant.objects.bulk_create(grants, batch_size=2000)


# ---- one order's life ---------------------------------------------------------------------------------------


class Deadlines:
    """Working-day deadlines, cached per (day, days): they depend only on the day the clock starts."""

    def __init__(self) -> None:
        self.cache: dict[tuple[date, int], datetime | None] = {}

    def __call__(self, start: datetime, days: int) -> datetime | None:
        key = (china_date(start), days)
        if key not in self.cache:
            try:
                self.cache[key] = add_working_days(start, days)
            except CalendarYearMissing:
                self.cache[key] = None
        return self.cache[key]


@dataclass
class Life:
    """The simulated history of one order up to now."""

    order: dict[str, Any]
    events: list[dict[str, Any]]
    rating: dict[str, Any] | None
    ledger: dict[str, Any] | None


class World:
    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        days: int,
        communities: list[Community],
        orgs: list[Org],
        categories: dict[str, Category],
    ) -> None:
        self.rng, self.now, self.days = rng, now, days
        self.communities = communities
        self.community_weights = _cumulative([c.weight for c in communities])
        self.categories = categories
        self.cat_codes = [c for c in CATEGORY_WEIGHTS if c in categories]
        self.cat_weights = _cumulative([CATEGORY_WEIGHTS[c] for c in self.cat_codes])
        self.orgs = orgs
        self.pools: dict[tuple[int, str], tuple[list[Org], list[float]]] = {}
        self.deadline = Deadlines()
        self.departments = _departments(categories)
        self.dept_actor = User.objects.filter(username="dept_wj").values_list("pk", flat=True).first()
        self.hours = _cumulative([1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 8, 5, 8, 10, 10, 9, 7, 5, 4, 3, 2, 1, 1])

    def pool(self, street_id: int, category: str) -> tuple[list[Org], list[float]]:
        key = (street_id, category)
        if key not in self.pools:
            fit = [o for o in self.orgs if street_id in o.street_ids and category in o.categories]
            fit = fit or [o for o in self.orgs if street_id in o.street_ids] or self.orgs
            self.pools[key] = (fit, _cumulative([o.size for o in fit]))
        return self.pools[key]

    def created_at(self) -> datetime:
        rng = self.rng
        # Half uniform, half leaning towards recent months: volume grew as the platform was adopted.
        t = rng.random() if rng.random() < 0.5 else math.sqrt(rng.random())
        day = self.now.date() - timedelta(days=int((1 - t) * self.days))
        while day.weekday() >= 5 and rng.random() < 0.4:
            day -= timedelta(days=1)
        hour = _pick(rng, self.hours)
        local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=LOCAL)
        return min(local, self.now - timedelta(seconds=rng.randrange(60, 3600)))


def _departments(categories: dict[str, Category]) -> dict[int, int | None]:
    """category id → department id from the responsibility matrix (district rules), with a fallback."""
    rules = {r.category_id: r.department_id for r in ResponsibilityRule.objects.all()}
    fallback = rules.get(None) or Department.objects.values_list("pk", flat=True).first()
    return {c.pk: rules.get(c.pk) or rules.get(c.parent_id) or fallback for c in categories.values()}


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    x = rng.random() * cumulative[-1]
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _stars(rng: random.Random, mean: float) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.8))))


def simulate(
    w: World,
    order_id: int,
    *,
    created: datetime | None = None,
    community: Community | None = None,
    category: str | None = None,
    area: Area | None = None,
) -> Life:
    rng = w.rng
    c = community or w.communities[_pick(rng, w.community_weights)]
    code = category or w.cat_codes[_pick(rng, w.cat_weights)]
    cat = w.categories[code]
    area = area or (rng.choice(c.grids) if c.grids and rng.random() < 0.8 else c.area)
    t0 = created or w.created_at()
    urgent = rng.random() < 0.08
    accept_days = cat.urgent_accept_days if urgent else cat.accept_days
    complete_days = cat.urgent_complete_days if urgent else cat.complete_days
    r = rng.random()
    channel = (
        "web"
        if r < 0.45
        else "proxy"
        if r < 0.6
        else "hotline"
        if r < 0.75
        else ("patrol" if area.level == Level.GRID else "proxy")
        if r < 0.8
        else "dispatch"
    )
    requester = rng.choice(c.resident_ids) if channel == "web" else None
    creator = requester if channel == "web" else c.worker_id
    special = channel != "dispatch" and rng.random() < 0.06
    o: dict[str, Any] = {
        "id": order_id,
        "channel": channel,
        "scenario": "special" if special else "common" if rng.random() < 0.04 else "individual",
        "urgency": "urgent" if urgent else "normal",
        "category_id": cat.pk,
        "title": rng.choice(TITLES.get(code, TITLES["other"])),
        "description": "居民通过平台提出的服务需求（演示数据）。",
        "area_id": area.pk,
        "community_id": c.area.pk,
        "address": f"{c.area.short_name or c.area.name}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
        "requester_id": requester,
        "contact_name": rng.choice(SURNAMES) + rng.choice(CALLS),
        "contact_phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        "created_by_id": creator,
        "created_at": t0,
        "state": "pending",
        "reopen_count": 0,
    }
    events: list[dict[str, Any]] = []

    def event(action: str, to: str, at: datetime, actor: int | None, **extra: Any) -> bool:
        if at > w.now:
            return False
        org_id = extra.pop("org") if "org" in extra else o.get("org_id")
        if "data_org" in extra:
            extra["org"] = extra.pop("data_org")
        events.append(
            {
                "order_id": order_id,
                "action": action,
                "from_state": o["state"] if events else "",
                "to_state": to,
                "actor_id": actor,
                "org_id": org_id,
                "department_id": o.get("department_id"),
                "at": at,
                "note": extra.pop("note", ""),
                "data": extra,
            }
        )
        o["state"] = to
        return True

    if special:
        return _special(w, o, events, event, t0, accept_days, complete_days, code)
    org_list, weights = w.pool(c.street_id, code)
    org = org_list[_pick(rng, weights)]
    o["accept_by"] = w.deadline(t0, accept_days)
    if channel == "dispatch":
        o["org_id"] = org.id
    event("created", "pending", t0, creator, channel=channel)
    t = t0
    if rng.random() < 0.03:  # withdrawn before anyone took it on
        t += timedelta(minutes=rng.lognormvariate(math.log(120), 1))
        event("cancelled", "cancelled", t, creator, note="已自行解决")
        return _life(o, events, None, None)
    if channel == "dispatch" and rng.random() < 0.1:
        t += timedelta(minutes=rng.lognormvariate(math.log(120), 0.8))
        o["org_id"] = None
        if not event("rejected", "rejected", t, org.admin_id, note="人手不足", org=None, data_org=org.id):
            o["org_id"] = org.id
            return _life(o, events, None, None)
        org = org_list[_pick(rng, weights)]
        t += timedelta(minutes=rng.lognormvariate(math.log(180), 0.8))
        o["org_id"] = org.id
        o["accept_by"] = w.deadline(t, accept_days)
        if not event("reassigned", "pending", t, creator, data_org=org.id):
            return _life(o, events, None, None)
    t += timedelta(minutes=rng.lognormvariate(math.log(90 * org.speed), 1.2))
    o["org_id"] = org.id
    if not event(
        "accepted" if channel == "dispatch" else "claimed", "accepted", t, org.admin_id, org=org.id, data_org=org.id
    ):
        if channel != "dispatch":
            o["org_id"] = None
        return _life(o, events, None, None)
    o["accepted_at"] = t
    o["complete_by"] = w.deadline(t, complete_days)
    return _finish(w, o, events, event, org, t, complete_days, requester, creator or 0, channel)


def _finish(
    w: World,
    o: dict[str, Any],
    events: list[dict[str, Any]],
    event: Any,
    org: Org,
    t: datetime,
    complete_days: int,
    requester: int | None,
    creator: int,
    channel: str,
) -> Life:
    rng = w.rng
    fast = rng.random() < org.fast
    work = rng.uniform(2, 9) if fast else rng.lognormvariate(math.log(36 * 60 * org.speed), 1.0)
    t += timedelta(minutes=work)
    if not event("completed", "completed", t, org.admin_id):
        return _life(o, events, None, None)
    o["completed_at"], o["people_served"], o["completion_note"] = t, rng.randint(1, 3), "已上门完成服务。"
    first_done = t
    if rng.random() < org.reopen:
        t += timedelta(minutes=rng.lognormvariate(math.log(24 * 60), 0.7))
        if event("reopened", "accepted", t, creator, note="问题没有解决"):
            o["reopen_count"] = 1
            o["complete_by"] = w.deadline(t, complete_days)
            t += timedelta(minutes=rng.lognormvariate(math.log(24 * 60 * org.speed), 0.8))
            if event("completed", "completed", t, org.admin_id):
                o["completed_at"] = t
    ledger = _ledger(o, first_done) if o.get("completed_at") else None
    rating = None
    if o["state"] == "completed":
        r = rng.random()
        rater = requester or creator
        role = "dispatcher" if channel == "dispatch" else "requester"
        t2 = t + timedelta(minutes=rng.lognormvariate(math.log(20 * 60), 1.0))
        if r < 0.65 and t2 <= w.now:
            stars = _stars(rng, org.stars)
            rating = {
                "order_id": o["id"],
                "rater_id": rater,
                "rater_role": role,
                "org_id": org.id,
                "stars": stars,
                "comment": "",
                "created_at": t2,
            }
            o["closed_at"] = t2
            event("rated", "closed", t2, rater, stars=stars)
            if ledger:
                ledger["rating"] = stars
        elif r < 0.8 and t2 <= w.now:
            o["closed_at"] = t2
            event("confirmed", "closed", t2, creator)
        elif t + timedelta(days=7, minutes=10) <= w.now:
            o["closed_at"] = t + timedelta(days=7, minutes=10)
            event("auto_closed", "closed", o["closed_at"], None, note="完成后 7 天未确认，系统自动办结")
    return _life(o, events, rating, ledger)


def _special(
    w: World,
    o: dict[str, Any],
    events: list[dict[str, Any]],
    event: Any,
    t0: datetime,
    accept_days: int,
    complete_days: int,
    code: str,
) -> Life:
    rng = w.rng
    o["department_id"] = w.departments.get(o["category_id"])
    o["accept_by"] = w.deadline(t0, accept_days)
    event("created", "forwarded", t0, o["created_by_id"], channel=o["channel"], auto_forwarded=True)
    t = t0 + timedelta(minutes=rng.lognormvariate(math.log(6 * 60), 1.0))
    if not event("signed", "signed", t, w.dept_actor):
        return _life(o, events, None, None)
    o["accepted_at"], o["complete_by"] = t, w.deadline(t, complete_days)
    t += timedelta(minutes=rng.lognormvariate(math.log(3 * 24 * 60), 0.8))
    if not event("replied", "completed", t, w.dept_actor, note="已协调处理。"):
        return _life(o, events, None, None)
    o["completed_at"], o["reply"] = t, "已协调处理。"
    t += timedelta(minutes=rng.lognormvariate(math.log(24 * 60), 1.0))
    rating = None
    rater = o["requester_id"] or o["created_by_id"]
    if t <= w.now and rng.random() < 0.6:
        stars = _stars(rng, 4.0)
        rating = {
            "order_id": o["id"],
            "rater_id": rater,
            "rater_role": "requester",
            "org_id": None,
            "stars": stars,
            "comment": "",
            "created_at": t,
        }
        o["closed_at"] = t
        event("rated", "closed", t, rater, stars=stars)
    elif t + timedelta(days=7) <= w.now:
        o["closed_at"] = t + timedelta(days=7)
        event("auto_closed", "closed", o["closed_at"], None)
    return _life(o, events, rating, None)


def _ledger(o: dict[str, Any], first_done: datetime) -> dict[str, Any]:
    done = o["completed_at"]
    return {
        "order_id": o["id"],
        "org_id": o["org_id"],
        "community_id": o["community_id"],
        "area_id": o["area_id"],
        "service_date": done.astimezone(LOCAL).date(),
        "place": o["address"],
        "service": o["title"],
        "category_name": "",
        "people_served": o.get("people_served") or 1,
        "volunteers": "",
        "photos_count": 0,
        "rating": None,
        "created_at": first_done,
        "updated_at": done,
    }


def _life(
    o: dict[str, Any], events: list[dict[str, Any]], rating: dict[str, Any] | None, ledger: dict[str, Any] | None
) -> Life:
    return Life(o, events, rating, ledger)


# ---- the run --------------------------------------------------------------------------------------------


class _OrderView:
    """An order dict read by ``fact_of`` as attributes (missing ones are None or 0)."""

    def __init__(self, o: dict[str, Any]) -> None:
        self.o = o

    def __getattr__(self, name: str) -> Any:
        if name == "id":
            return self.o["id"]
        return self.o.get(name, 0 if name == "reopen_count" else None)


@dataclass
class Summary:
    orders: int
    events: int
    ratings: int
    ledger: int
    organizations: int


def generated_count() -> int:
    return Order.objects.filter(created_by__username__startswith="gen_").count()


def _surge(w: World, ids: Iterator[int]) -> list[Life]:
    """A surge of repair requests in one grid over the last days, for the hot-spot warning to find."""
    target = next((c for c in w.communities if c.grids), None)
    if target is None or "property_repair" not in w.categories:
        return []
    out = []
    for k in range(12):
        when = w.now - timedelta(hours=6 + 11 * k)
        out.append(
            simulate(w, next(ids), created=when, community=target, category="property_repair", area=target.grids[0])
        )
    return out


def generate(
    n: int,
    *,
    seed: int = 20261122,
    now: datetime | None = None,
    days: int = 730,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Write ``n`` more orders with their whole history: the organizations and people in one transaction, then
        every ``BATCH`` orders in one (savepoints inside an outer transaction), their foreign keys checked once at
    the end (``store.foreign_keys_checked_later``). The counters are not written
        here: the caller rebuilds them (``store.rebuild_tally``)."""
    rng = random.Random(seed + generated_count())
    now = now or timezone.now()
    categories = {c.code: c for c in Category.objects.all()}
    communities = _communities(rng)
    with transaction.atomic():
        orgs = _organizations(rng, n + generated_count(), communities, now)
        _people(communities, orgs)
    world = World(rng, now, days, communities, orgs, categories)
    names = {c.pk: c.name for c in categories.values()}
    start = (Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    ids = iter(range(start, start + n + 100))
    sinks = {
        "orders": Sink(Order, True),
        "events": Sink(OrderEvent, False),
        "ratings": Sink(Rating, False),
        "ledger": Sink(LedgerEntry, False),
    }
    facts: list[Any] = []
    totals = dict.fromkeys(sinks, 0)
    geo = {c.area.pk: (c.district_id, c.street_id) for c in communities}

    def keep(life: Life) -> None:
        sinks["orders"].add(life.order)
        for e in life.events:
            sinks["events"].add(e)
        if life.rating:
            sinks["ratings"].add(life.rating)
        if life.ledger:
            life.ledger["category_name"] = names[life.order["category_id"]]
            life.ledger["service"] = f"{names[life.order['category_id']]}：{life.order['title']}"
            sinks["ledger"].add(life.ledger)
        district_id, street_id = geo[life.order["community_id"]]
        facts.append(
            fact_of(
                _OrderView(life.order),
                district_id=district_id,
                street_id=street_id,
                stars=life.rating["stars"] if life.rating else None,
            )
        )

    def flush() -> None:
        with transaction.atomic(), foreign_keys_checked_later(*LOADED):
            for name, sink in sinks.items():
                totals[name] += sink.flush()
            bulk_insert(OrderFact, FACT_FIELDS, fact_rows(facts))
            _reset_sequence(Order)  # the ids are ours: orders posted meanwhile must not take the next ones
        facts.clear()
        if progress:
            progress(totals["orders"])

    surge = _surge(world, ids) if n >= 1000 else []
    for life in surge:
        keep(life)
    for _k in range(n - len(surge)):
        keep(simulate(world, next(ids)))
        if len(sinks["orders"].rows) >= BATCH:
            flush()
    flush()
    validate_foreign_keys(*LOADED)
    with transaction.atomic():
        audit_record(
            actor=None,
            action="insights.history.generated",
            data={
                "orders": totals["orders"],
                "events": totals["events"],
                "ratings": totals["ratings"],
                "ledger": totals["ledger"],
                "seed": seed,
                "summary_entry": True,
            },
        )
    return Summary(totals["orders"], totals["events"], totals["ratings"], totals["ledger"], len(orgs))


def _reset_sequence(model: type[models.Model]) -> None:
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {connection.ops.quote_name(table)}))",  # noqa: S608
            [table],
        )
