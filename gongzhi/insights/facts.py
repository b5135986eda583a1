"""What each order contributes to the statistics: the one definition every figure is built from.

An order's *fact* is a small summary of the order as it is now (where, what, who holds it, its state,
whether it was taken on and finished on time, how long that took, its reopenings and its rating).
Every maintained counter is a sum of the facts' *contributions* over a *cell*; both are declared here
once and used three ways: in Python by the transition hook (the difference between an order's old
and new contribution), in SQL by the rebuild and by ``insights verify`` (GROUP BY over the facts).

Attribution (a stated choice): every figure of an order counts in the month the order was posted
(its cohort), so a rate's numerator and denominator always describe the same orders and no rate can
exceed 100 %. An order posted on 31 March and finished in April counts for March.

The fact also keeps ``due_at`` (the deadline in force while the order is open), so today's overdue
orders of an area are found in a small index of open orders rather than among all orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings

from gongzhi.insights import conf
from gongzhi.orders.models import RaterRole, State

TAKEN = (State.ACCEPTED.value, State.SIGNED.value, State.COMPLETED.value, State.CLOSED.value)
DONE = (State.COMPLETED.value, State.CLOSED.value)
PRAISE = (4, 5)
# Durations are kept as histograms with octave buckets of minutes: bucket 0 is under a minute,
# bucket k (1..16) is [2^(k-1), 2^k) minutes, bucket 17 is 2^16 minutes (45.5 days) or more.
BUCKETS = 18


class Fact(NamedTuple):
    """A plain tuple (fast to build, compare and write), one per order."""

    order_id: int
    month: date
    district_id: int
    street_id: int
    area_id: int
    category_id: int
    org_id: int  # 0: no organization holds the order (hall, department, or nobody yet)
    state: str
    taken_due: bool  # taken on, and an accept-by deadline was in force
    taken_ontime: bool
    done_due: bool  # finished, and a complete-by deadline was in force
    done_ontime: bool
    ever_done: bool  # finished now or at least once before a reopening
    reopened: bool
    reopens: int
    fast: bool  # finished within INSIGHTS_FAST_CLOSURE_MINUTES of being taken on
    stars: int | None
    ta: int | None  # bucket of the time from posting to being taken on
    tc: int | None  # bucket of the time from posting to being finished
    due_at: datetime | None  # while open: the deadline in force (overdue = due_at < now); else None
    year: date  # 1 January of the posting year (the period of the yearly cells)


FACT_FIELDS = Fact._fields
KEY_FIELDS = ("month", "district_id", "street_id", "area_id", "category_id", "org_id")
AWAITING = (State.PENDING.value, State.REJECTED.value, State.FORWARDED.value)  # the accept-by deadline applies
IN_HAND = (State.ACCEPTED.value, State.SIGNED.value)  # the complete-by deadline applies


@dataclass(frozen=True)
class Metric:
    """A counter: the orders whose ``field`` has one of ``values``; no values: the sum of ``field``;
    no field: every order."""

    name: str
    field: str | None = None
    values: tuple[Any, ...] = ()

    def of(self, fact: Fact) -> int:
        if self.field is None:
            return 1
        value = getattr(fact, self.field)
        if not self.values:
            return int(value or 0)
        return 1 if value in self.values else 0


METRICS: tuple[Metric, ...] = (
    Metric("posted"),
    *(Metric(f"st_{s}", "state", (s,)) for s in State.values),
    Metric("taken", "state", TAKEN),
    Metric("taken_due", "taken_due", (True,)),
    Metric("taken_ontime", "taken_ontime", (True,)),
    Metric("done", "state", DONE),
    Metric("done_due", "done_due", (True,)),
    Metric("done_ontime", "done_ontime", (True,)),
    Metric("ever_done", "ever_done", (True,)),
    Metric("reopened", "reopened", (True,)),
    Metric("reopens", "reopens"),
    Metric("fast", "fast", (True,)),
    Metric("rated", "stars", (1, 2, 3, 4, 5)),
    *(Metric(f"r{n}", "stars", (n,)) for n in range(1, 6)),
    *(Metric(f"ta{k}", "ta", (k,)) for k in range(BUCKETS)),
    *(Metric(f"tc{k}", "tc", (k,)) for k in range(BUCKETS)),
)
METRIC_NAMES = tuple(m.name for m in METRICS)
STATE_METRICS = tuple(f"st_{s}" for s in State.values)
TA = tuple(f"ta{k}" for k in range(BUCKETS))
TC = tuple(f"tc{k}" for k in range(BUCKETS))
STARS = tuple(f"r{n}" for n in range(1, 6))


def contribution(fact: Fact | None) -> dict[str, int]:
    """The non-zero counters of one order (nothing for an order without a fact)."""
    if fact is None:
        return {}
    out = {}
    for m in METRICS:
        v = m.of(fact)
        if v:
            out[m.name] = v
    return out


# ---- the cells: which dimensions each level of aggregation keeps ----------------------------------

GEO_DISTRICT, GEO_STREET, GEO_AREA = 0, 1, 2


MONTH, YEAR, YTD = "month", "year", "ytd"


@dataclass(frozen=True)
class Grain:
    """One level of aggregation: a period and the district always; the street, the area (grid or community),
    the category and the organization when the level keeps them.

    The period of a cell (its ``month`` column holds the first day) is one of:
    - ``month``: the orders posted in that month;
    - ``year``: the orders posted in that calendar year;
    - ``ytd`` (year to date): the orders posted from January up to and including that month, for January
      to November (December's would be the yearly cell). Any run of months inside a year is then one
      cell set less another: March to August = ytd(August) − ytd(February)."""

    code: int
    name: str
    geo: int
    category: bool
    org: bool
    period: str = MONTH

    @property
    def yearly(self) -> bool:
        return self.period == YEAR

    def months(self, fact: Fact) -> tuple[date, ...]:
        """The periods (their first days) whose cells an order counts in."""
        if self.period == MONTH:
            return (fact.month,)
        if self.period == YEAR:
            return (fact.year,)
        return tuple(fact.month.replace(month=m) for m in range(fact.month.month, 12))

    def key(self, fact: Fact, month: date) -> tuple[Any, ...]:
        return (
            self.code,
            month,
            fact.district_id,
            fact.street_id if self.geo >= GEO_STREET else 0,
            fact.area_id if self.geo >= GEO_AREA else 0,
            fact.category_id if self.category else 0,
            fact.org_id if self.org else 0,
        )

    def serves(self, geo: int, category: bool, org: bool) -> bool:
        return self.geo >= geo and (self.category or not category) and (self.org or not org)


_ALL = (MONTH, YEAR, YTD)
# (code, name, geo, category, organization, periods kept). The code is stored in every cell, so a level keeps
# its code for good; the tuple is in the order a query prefers the levels: smallest first.
# - Monthly cells (codes 1-8) for every level.
# - The same per year (11-16), which a query spanning whole calendar years reads instead of twelve months each.
# - Year to date (21-24) for the district and street levels, where a month's cells are many (every
#   organization, every street × category) and a period of a few months would otherwise read them month by
#   month. Community levels keep few cells per month and have none: they would multiply the rows a
#   transition writes for little gain.
# - "street" (7) and "area" (8), monthly only (migration 0005): the month-by-month series and the table by
#   area need no category, and read a street's one cell a month, or a community's few, instead of every
#   category of them. For whole years and year to date the cells with categories serve them, a few hundred
#   rows at most, so these levels cost a transition two cells, not sixteen.
_LEVELS = (
    (7, "street", GEO_STREET, False, False, (MONTH,)),
    (1, "street×category", GEO_STREET, True, False, _ALL),
    (2, "organization", GEO_DISTRICT, False, True, _ALL),
    (3, "category×organization", GEO_DISTRICT, True, True, _ALL),
    (4, "street×category×organization", GEO_STREET, True, True, _ALL),
    (8, "area", GEO_AREA, False, False, (MONTH,)),
    (5, "area×category", GEO_AREA, True, False, (MONTH, YEAR)),
    (6, "area×category×organization", GEO_AREA, True, True, (MONTH, YEAR)),
)
_SUFFIX = {MONTH: "", YEAR: " / year", YTD: " / year to date"}
GRAINS: tuple[Grain, ...] = tuple(
    Grain(code + offset, f"{name}{_SUFFIX[period]}", geo, cat, org, period)
    for period, offset in ((MONTH, 0), (YEAR, 10), (YTD, 20))
    for code, name, geo, cat, org, periods in _LEVELS
    if period in periods
)
GRAIN_BY_CODE = {g.code: g for g in GRAINS}


def cell_deltas(old: Fact | None, new: Fact | None) -> dict[tuple[Any, ...], dict[str, int]]:
    """Per cell of every grain, what changes when an order's fact goes from ``old`` to ``new``."""
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    for fact, sign in ((old, -1), (new, 1)):
        if fact is None:
            continue
        contrib = contribution(fact)
        for grain in GRAINS:
            if grain.org and not fact.org_id:
                continue  # see store.grouped_sql: no organization, no cell in the organization grains
            for month in grain.months(fact):
                cell = out.setdefault(grain.key(fact, month), {})
                for name, v in contrib.items():
                    cell[name] = cell.get(name, 0) + sign * v
    return {k: {n: v for n, v in d.items() if v} for k, d in out.items() if any(d.values())}


# ---- computing a fact from the raw order -----------------------------------------------------------

# Months are the platform's (settings.TIME_ZONE), whatever time zone a request has activated.
LOCAL = ZoneInfo(settings.TIME_ZONE)


def month_of(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date().replace(day=1)


def duration_bucket(start: datetime, end: datetime) -> int:
    minutes = int((end - start).total_seconds() // 60)
    if minutes < 1:
        return 0
    return min(minutes.bit_length(), BUCKETS - 1)


def bucket_bounds(k: int) -> tuple[float, float]:
    """The minutes a bucket covers, [low, high); the last bucket is read as one more octave."""
    if k == 0:
        return 0.0, 1.0
    return float(2 ** (k - 1)), float(2**k)


def chosen_stars(ratings: Iterable[tuple[str, int, datetime, int]]) -> int | None:
    """The rating that counts for an order, as the service ledger shows it: the requester's (the latest
    if two people rated as requester), otherwise the latest rating. (rater_role, stars, created_at, id)."""
    ordered = sorted(ratings, key=lambda r: (r[2], r[3]), reverse=True)
    for role, stars, _at, _id in ordered:
        if role == RaterRole.REQUESTER:
            return stars
    return ordered[0][1] if ordered else None


def fact_of(order: Any, *, district_id: int, street_id: int, stars: int | None) -> Fact:
    """The fact of an order (an Order or any object with its fields as attributes)."""
    state = order.state
    taken = state in TAKEN and order.accepted_at is not None
    done = state in DONE and order.completed_at is not None
    taken_due = taken and order.accept_by is not None
    done_due = done and order.complete_by is not None
    fast = (
        done
        and order.accepted_at is not None
        and (order.completed_at - order.accepted_at).total_seconds() <= conf.fast_minutes() * 60
    )
    month = month_of(order.created_at)
    due_at = order.accept_by if state in AWAITING else order.complete_by if state in IN_HAND else None
    return Fact(
        order_id=order.id,
        month=month,
        district_id=district_id or 0,
        street_id=street_id or 0,
        area_id=order.area_id,
        category_id=order.category_id,
        org_id=order.org_id or 0,
        state=state,
        taken_due=taken_due,
        taken_ontime=taken_due and order.accepted_at <= order.accept_by,
        done_due=done_due,
        done_ontime=done_due and order.completed_at <= order.complete_by,
        ever_done=done or order.reopen_count > 0,
        reopened=order.reopen_count > 0,
        reopens=order.reopen_count,
        fast=fast,
        stars=stars,
        ta=duration_bucket(order.created_at, order.accepted_at) if taken else None,
        tc=duration_bucket(order.created_at, order.completed_at) if done else None,
        due_at=due_at,
        year=month.replace(month=1),
    )


# ---- figures read back from the counters -----------------------------------------------------------


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def percentile_minutes(counts: list[int], q: float) -> float | None:
    """The q-quantile of a duration histogram, interpolated geometrically inside its bucket (linearly in
    bucket 0). Exact to the bucket; within it, the estimate assumes durations spread evenly on a log scale."""
    total = sum(counts)
    if not total:
        return None
    rank = q * total
    seen = 0
    for k, c in enumerate(counts):
        if c and seen + c >= rank:
            frac = (rank - seen) / c
            low, high = bucket_bounds(k)
            return low + (high - low) * frac if k == 0 else low * (high / low) ** frac
        seen += c
    return bucket_bounds(len(counts) - 1)[0]


def smoothed_key(star_counts: Sequence[int], prior: tuple[int, int, int] | None = None) -> float:
    """The smoothed rating as a float to rank by, computed from integers so that equal rationals give equal
    floats (ties stay ties) and different ones different floats. ``prior``: (m, p, q) for m ratings at p/q,
    from ``prior_parts()`` (pass it when ranking many organizations)."""
    m, p, q = prior or prior_parts()
    n = sum(star_counts)
    total = star_counts[0] + 2 * star_counts[1] + 3 * star_counts[2] + 4 * star_counts[3] + 5 * star_counts[4]
    return (m * p + q * total) / (q * (m + n)) if m + n else p / q


def prior_parts() -> tuple[int, int, int]:
    mean = Fraction(str(conf.prior_mean()))
    return conf.prior_count(), mean.numerator, mean.denominator


def smoothed_rating(star_counts: list[int], m: int | None = None, mean: float | None = None) -> float:
    """Bayesian average: (m·prior + sum of stars) / (m + n). ``star_counts`` are the counts of 1..5 stars."""
    m = conf.prior_count() if m is None else m
    mean = conf.prior_mean() if mean is None else mean
    n = sum(star_counts)
    total = sum((i + 1) * c for i, c in enumerate(star_counts))
    return (m * mean + total) / (m + n) if (m + n) else mean
