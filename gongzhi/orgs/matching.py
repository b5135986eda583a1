"""Matching (供需匹配): which social organizations fit a need, and which open needs fit an organization.

One score, explained component by component, serves both directions: staff dispatching an order see
the organizations ranked for it (``GET /api/v1/orders/{id}/matches``), and an organization sees the
open needs of the hall ranked by the same fit on its workspace.

The score (0–100) is the sum of five weighted components, each a number from 0 to 1:

==========  ======  ==========================================================================
component   weight  how the 0–1 score is found
==========  ======  ==========================================================================
类别匹配      30     an active offer for the order's category: 1; only for its parent category
                    or for one of its sub-categories (同大类): 0.6; none: 0. Offers limited to an
                    area count only if that area contains the order's place.
服务区域      20     the most specific served area containing the order's place: the grid or the
                    community 1, the street 0.8, the district 0.6, anything wider 0.4. An
                    organization that does not serve the place is not listed at all.
本月余量      15     (capacity − orders accepted this month in those categories) ÷ capacity of
                    the fitting offers, at least 0; 0.5 when the offers state no capacity; 0
                    without a fitting offer.
服务记录      15     half experience, half reliability. Experience: completed orders of the same
                    category family (大类) d, as d ÷ (d + 10). Reliability: completed orders
                    against everything it promised and did not keep (declined dispatches,
                    overdue orders in hand), smoothed with 5 imagined orders at 80 %.
服务评价      20     (smoothed rating − 1) ÷ 4, the Bayesian average of the insights leaderboards:
                    ``INSIGHTS_RATING_PRIOR_COUNT`` imagined ratings at ``INSIGHTS_RATING_PRIOR_MEAN``
                    (10 at 4.0 by default), so one 5-star rating (4.09) does not beat fifty
                    averaging 4.8 (4.67).
==========  ======  ==========================================================================

Ties (equal totals to 0.01) go to more completed orders of the category family, then to the
organization registered on the platform first (lower id). Only organizations in good standing
(active, registered, filed) are matched; suspended, abnormal and deregistered ones never are.

Queries are bounded: the facts of any number of organizations load in a fixed handful of
aggregate queries (:func:`load_facts`); the scoring itself is pure (:func:`score`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.permissions import get_for, grants_for, restrict
from gongzhi.areas.models import Area, Level
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.insights import conf as rating_conf
from gongzhi.insights.facts import smoothed_rating
from gongzhi.orders import rules
from gongzhi.orders.models import DONE_STATES, Category, Order, OrderEvent, Rating, State, Urgency
from gongzhi.orders.selectors import hall
from gongzhi.orgs.models import Organization, OrgStatus, ServiceOffer

# Organizations that may be sent work (the same states the order services accept).
MATCHABLE = (OrgStatus.ACTIVE, OrgStatus.REGISTERED, OrgStatus.FILED)
WEIGHTS = {"category": 30, "area": 20, "capacity": 15, "record": 15, "rating": 20}
FIT_EXACT, FIT_FAMILY = 1.0, 0.6
AREA_SCORES = {Level.GRID: 1.0, Level.COMMUNITY: 1.0, Level.STREET: 0.8, Level.DISTRICT: 0.6}
AREA_WIDER = 0.4
CAPACITY_UNSTATED = 0.5
EXPERIENCE_HALF = 10  # completed orders of the family at which experience reaches 0.5
RELIABILITY_PRIOR = (5, 0.8)  # imagined orders, share kept
MAX_LIMIT = 50
# Staff who may send an order to an organization when they create it (as order_create allows).
PREVIEW_ROLES = ("community_worker", "street_staff", "civil_affairs", "dept_staff")


# ---- the facts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryTree:
    """All categories, loaded once per call: the tree is small and every score needs it."""

    by_id: dict[int, Category]
    by_code: dict[str, Category]

    @classmethod
    def load(cls) -> CategoryTree:
        rows = list(Category.objects.all())
        return cls({c.pk: c for c in rows}, {c.code: c for c in rows})

    def parent(self, cat: Category) -> Category | None:
        return self.by_id.get(cat.parent_id) if cat.parent_id else None

    def root(self, cat: Category) -> Category:
        """The top of the category's family (大类): 居家照料 → 养老服务."""
        seen = 0
        while cat.parent_id and cat.parent_id in self.by_id and seen < 10:
            cat, seen = self.by_id[cat.parent_id], seen + 1
        return cat

    def fit(self, offer_code: str, cat: Category) -> float:
        """How well an offer for ``offer_code`` fits a need of ``cat``."""
        if offer_code == cat.code:
            return FIT_EXACT
        offered = self.by_code.get(offer_code)
        if offered is None:
            return 0.0
        if offered.pk == cat.parent_id or offered.parent_id == cat.pk:
            return FIT_FAMILY
        return 0.0

    def covers(self, offer_code: str, cat_id: int) -> bool:
        """An offer's capacity is used by orders of its own category and of its sub-categories."""
        cat = self.by_id.get(cat_id)
        parent = self.parent(cat) if cat else None
        return cat is not None and (cat.code == offer_code or (parent is not None and parent.code == offer_code))


@dataclass(frozen=True)
class Served:
    path: str
    level: str
    name: str


@dataclass(frozen=True)
class OfferFact:
    category_code: str
    area_path: str | None
    capacity: int
    title: str


@dataclass
class Tally:
    taken: int = 0
    done: int = 0
    this_month: int = 0


@dataclass
class OrgFacts:
    org: Organization
    served: list[Served] = field(default_factory=list)
    offers: list[OfferFact] = field(default_factory=list)
    by_category: dict[int, Tally] = field(default_factory=dict)
    overdue: int = 0
    declined: int = 0
    stars: list[int] = field(default_factory=lambda: [0] * 5)

    @property
    def done(self) -> int:
        return sum(t.done for t in self.by_category.values())

    @property
    def taken(self) -> int:
        return sum(t.taken for t in self.by_category.values())


def month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)


def load_facts(orgs: Iterable[Organization], *, now: datetime | None = None) -> dict[int, OrgFacts]:
    """Everything the score needs about these organizations, in five aggregate queries."""
    now = now or timezone.now()
    facts = {o.pk: OrgFacts(o) for o in orgs}
    ids = list(facts)
    if not ids:
        return facts
    through = Organization.areas_served.through
    for org_id, path, level, name, short in through.objects.filter(organization_id__in=ids).values_list(
        "organization_id", "area__path", "area__level", "area__name", "area__short_name"
    ):
        facts[org_id].served.append(Served(path, level, short or name))
    for org_id, code, path, capacity, title in (
        ServiceOffer.objects.filter(organization_id__in=ids, active=True)
        .order_by("pk")
        .values_list("organization_id", "category_code", "area__path", "capacity_per_month", "title")
    ):
        facts[org_id].offers.append(OfferFact(code, path, capacity, title))
    start = month_start(now)
    tallies = (
        Order.objects.filter(org_id__in=ids)
        .order_by()
        .values("org_id", "category_id")
        .annotate(
            taken=Count("pk", filter=Q(accepted_at__isnull=False)),
            done=Count("pk", filter=Q(state__in=DONE_STATES)),
            this_month=Count("pk", filter=Q(accepted_at__gte=start, accepted_at__lt=next_month(start))),
            overdue=Count("pk", filter=Q(state=State.ACCEPTED, complete_by__lt=now)),
        )
    )
    for row in tallies:
        f = facts[row["org_id"]]
        f.by_category[row["category_id"]] = Tally(row["taken"], row["done"], row["this_month"])
        f.overdue += row["overdue"]
    # A declined dispatch leaves the order without an organization; the event keeps who declined.
    for org_id, n in (
        OrderEvent.objects.filter(action="rejected", data__org__in=ids)
        .order_by()
        .values_list("data__org")
        .annotate(n=Count("pk"))
    ):
        if org_id in facts:
            facts[org_id].declined = n
    for org_id, stars, n in (
        Rating.objects.filter(org_id__in=ids).order_by().values_list("org_id", "stars").annotate(n=Count("pk"))
    ):
        facts[org_id].stars[stars - 1] = n
    return facts


# ---- the score ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    code: str
    label: str
    weight: int
    score: float
    detail: str
    data: dict[str, Any]

    @property
    def points(self) -> Decimal:
        return _round(self.weight * self.score)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "weight": self.weight,
            "score": round(self.score, 3),
            "points": float(self.points),
            "detail": self.detail,
            "data": self.data,
        }


@dataclass(frozen=True)
class Match:
    org: Organization
    order: Order
    components: list[Component]
    reason: str
    family_done: int

    @property
    def total(self) -> Decimal:
        return sum((c.points for c in self.components), Decimal("0.00"))

    def component(self, code: str) -> Component:
        return next(c for c in self.components if c.code == code)


def _round(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _percent(part: int, whole: int) -> int:
    return int(100 * part / whole + 0.5) if whole else 0  # half up, as on the public page


def _within(place_path: str, area_path: str | None) -> bool:
    return area_path is None or place_path.startswith(area_path)


def served_area(facts: OrgFacts, place: Area) -> Served | None:
    """The most specific area the organization serves that contains ``place``."""
    containing = [s for s in facts.served if place.path.startswith(s.path)]
    return max(containing, key=lambda s: len(s.path), default=None)


def _area_component(served: Served) -> Component:
    score = AREA_SCORES.get(served.level, AREA_WIDER)  # type: ignore[call-overload]
    return Component(
        "area",
        _("服务区域"),
        WEIGHTS["area"],
        score,
        _("服务%(a)s") % {"a": served.name},
        {"served_area": served.name, "level": served.level},
    )


def _category_component(fitting: list[tuple[float, OfferFact]], cat: Category) -> Component:
    best = max((f for f, _o in fitting), default=0.0)
    if not fitting:
        detail = _("没有“%(c)s”或同大类的服务项目") % {"c": cat.name}
    else:
        title = next(o.title for f, o in fitting if f == best)
        detail = (_("提供“%(t)s”") if best == FIT_EXACT else _("提供同大类服务“%(t)s”")) % {"t": title}
    return Component(
        "category",
        _("类别匹配"),
        WEIGHTS["category"],
        best,
        detail,
        {
            "fit": "exact" if best == FIT_EXACT else "family" if best else "none",
            "offers": [o.title for _f, o in fitting],
        },
    )


def _capacity_component(facts: OrgFacts, fitting: list[tuple[float, OfferFact]], tree: CategoryTree) -> Component:
    capacity = sum(o.capacity for _f, o in fitting)
    codes = {o.category_code for _f, o in fitting}
    used = sum(
        t.this_month for cat_id, t in facts.by_category.items() if any(tree.covers(code, cat_id) for code in codes)
    )
    data = {"capacity": capacity, "used": used, "remaining": max(capacity - used, 0)}
    if not fitting:
        return Component("capacity", _("本月余量"), WEIGHTS["capacity"], 0.0, _("无对应服务项目"), data)
    if capacity == 0:
        return Component("capacity", _("本月余量"), WEIGHTS["capacity"], CAPACITY_UNSTATED, _("未填写每月服务量"), data)
    remaining = max(capacity - used, 0)
    detail = (_("本月已满（%(u)s / %(c)s）") if remaining == 0 else _("本月余量 %(r)s / %(c)s")) % {
        "u": used,
        "c": capacity,
        "r": remaining,
    }
    return Component("capacity", _("本月余量"), WEIGHTS["capacity"], remaining / capacity, detail, data)


def _record_component(facts: OrgFacts, family: Category, tree: CategoryTree) -> tuple[Component, int]:
    family_done = sum(
        t.done
        for cat_id, t in facts.by_category.items()
        if cat_id in tree.by_id and tree.root(tree.by_id[cat_id]).pk == family.pk
    )
    experience = family_done / (family_done + EXPERIENCE_HALF)
    prior_n, prior_rate = RELIABILITY_PRIOR
    done, broken = facts.done, facts.declined + facts.overdue
    reliability = (done + prior_n * prior_rate) / (done + broken + prior_n)
    detail = _("%(f)s类已完成 %(d)s 单；共接单 %(t)s、完成 %(n)s、拒单 %(r)s、超期未完成 %(o)s") % {
        "f": family.name,
        "d": family_done,
        "t": facts.taken,
        "n": done,
        "r": facts.declined,
        "o": facts.overdue,
    }
    data = {
        "family": family.name,
        "family_done": family_done,
        "taken": facts.taken,
        "done": done,
        "declined": facts.declined,
        "overdue": facts.overdue,
        "experience": round(experience, 3),
        "reliability": round(reliability, 3),
    }
    return Component(
        "record", _("服务记录"), WEIGHTS["record"], (experience + reliability) / 2, detail, data
    ), family_done


def _rating_component(facts: OrgFacts) -> Component:
    rated = sum(facts.stars)
    smoothed = smoothed_rating(facts.stars)
    praise = _percent(facts.stars[3] + facts.stars[4], rated)
    prior = {"m": rating_conf.prior_count(), "c": rating_conf.prior_mean()}
    if rated:
        detail = _("%(n)s 条评价，好评率 %(p)s%%，平滑评分 %(s).2f（先验 %(m)s 条 %(c)s 分）") % {
            "n": rated,
            "p": praise,
            "s": smoothed,
            **prior,
        }
    else:
        detail = _("暂无评价，按先验 %(c)s 分计") % prior
    data = {
        "count": rated,
        "praise_rate": praise if rated else None,
        "smoothed": round(smoothed, 3),
        "mean": round(sum((i + 1) * c for i, c in enumerate(facts.stars)) / rated, 2) if rated else None,
        "prior_count": prior["m"],
        "prior_mean": prior["c"],
    }
    return Component("rating", _("服务评价"), WEIGHTS["rating"], (smoothed - 1) / 4, detail, data)


def _reason(served: Served, record: Component, rating: Component, capacity: Component, category: Component) -> str:
    parts = [_("服务%(a)s") % {"a": served.name}]
    if category.data["fit"] != "exact":
        parts.append(category.detail)
    d = record.data
    parts.append(
        _("%(f)s类已完成 %(n)s 单") % {"f": d["family"], "n": d["family_done"]}
        if d["family_done"]
        else _("%(f)s类暂无完成记录") % {"f": d["family"]}
    )
    r = rating.data
    parts.append(_("好评率 %(p)s%%") % {"p": r["praise_rate"]} if r["count"] else _("暂无评价"))
    if capacity.data["capacity"] and not capacity.data["remaining"]:
        parts.append(_("本月已满"))
    return "；".join(parts)


def score(order: Order, facts: OrgFacts, tree: CategoryTree) -> Match | None:
    """How well the organization fits the order; None when it does not serve the order's place."""
    served = served_area(facts, order.area)
    if served is None:
        return None
    cat = tree.by_id[order.category_id]
    fitting = [
        (f, o) for o in facts.offers if (f := tree.fit(o.category_code, cat)) and _within(order.area.path, o.area_path)
    ]
    category = _category_component(fitting, cat)
    area = _area_component(served)
    capacity = _capacity_component(facts, fitting, tree)
    record, family_done = _record_component(facts, tree.root(cat), tree)
    rating = _rating_component(facts)
    return Match(
        facts.org,
        order,
        [category, area, capacity, record, rating],
        _reason(served, record, rating, capacity, category),
        family_done,
    )


def rank(matches: Iterable[Match]) -> list[Match]:
    """Best first; see the module docstring for the tie rule."""
    return sorted(matches, key=lambda m: (-m.total, -m.family_done, m.org.pk))


TIE_RULE = gettext_lazy(
    "总分相同（精确到 0.01）时，本类别大类完成单数多者在前；仍相同则组织编号小者（先入驻平台者）在前"
)


# ---- organizations for an order ----------------------------------------------------------------


def may_dispatch(user: Any, order: Order) -> bool:
    """Who may send this order to an organization: its dispatcher, the area's supervisors, admins."""
    return grants_for(user).is_admin or rules.is_dispatcher(user, order) or rules.is_area_staff(user, order)


def _ancestor_paths(area: Area) -> list[str]:
    codes = area.path.strip("/").split("/")
    return ["/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def candidates(user: Any, place: Area) -> QuerySet[Organization]:
    """Organizations in good standing, visible to the user, serving ``place`` or an area above it."""
    serving = Organization.areas_served.through.objects.filter(area__path__in=_ancestor_paths(place))
    return restrict(Organization.objects.filter(status__in=MATCHABLE), user, "view").filter(
        pk__in=serving.values("organization_id")
    )


def _ranked_for(order: Order, orgs: QuerySet[Organization], limit: int, exclude: set[int]) -> list[Match]:
    tree = CategoryTree.load()
    facts = load_facts(o for o in orgs if o.pk not in exclude)
    return rank(m for f in facts.values() if (m := score(order, f, tree)) is not None)[: _limit(limit)]


def _limit(limit: int) -> int:
    return max(1, min(int(limit or 10), MAX_LIMIT))


def order_matches(user: Any, order_id: int, *, limit: int = 10) -> tuple[Order, list[Match]]:
    """Organizations ranked for an order. 404 for whoever may not see it, 403 for whoever may see it but
    not dispatch it. Organizations that already declined this order are left out."""
    order = get_for(Order.objects.select_related("category", "area", "community"), user, "view", pk=order_id)
    if not may_dispatch(user, order):
        raise PermissionDenied(_("只有派单方或本区域的社区、街道工作人员可以查看匹配的社会组织"))
    declined = {
        int(pk)
        for pk in OrderEvent.objects.filter(order=order, action="rejected").values_list("data__org", flat=True)
        if pk is not None
    }
    return order, _ranked_for(order, candidates(user, order.area), limit, declined)


def preview_matches(user: Any, *, category: str, area: str, limit: int = 10) -> tuple[Order, list[Match]]:
    """Organizations ranked for a need not yet entered (the dispatch form): staff who could dispatch it
    in that area only; 404 for everyone else and for an unknown category or place."""
    grants = grants_for(user)
    if not (grants.is_admin or grants.has_role(*PREVIEW_ROLES)):
        raise NotFound()
    category, area = (category or "").strip(), (area or "").strip()
    if not category or not area:
        raise ValidationFailed(
            {"category" if not category else "area": [_("先选择服务类别和社区/网格，再看推荐的社会组织")]}
        )
    place = Area.objects.filter(code=area, level__in=(Level.COMMUNITY, Level.GRID)).first()
    cat = restrict(Category.objects.all(), user, "view").filter(code=category).first()
    if place is None or cat is None or not (grants.is_admin or grants.covers_area(place, *PREVIEW_ROLES)):
        raise NotFound()
    draft = Order(category=cat, area=place, community=place if place.level == Level.COMMUNITY else place.parent)
    return draft, _ranked_for(draft, candidates(user, place), limit, set())


# ---- open needs for an organization --------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    order: Order
    match: Match


HALL_WINDOW = 200  # the newest open needs considered; the hall page lists them all


def suggested_needs(user: Any, *, limit: int = 5, now: datetime | None = None) -> list[Suggestion]:
    """Open needs of the hall ranked by how well they fit the user's organizations (the best of them).

    Equal fit: urgent needs first, then the one waiting longest. 404 for a user of no organization.
    """
    mine = grants_for(user).organization_ids()
    if not mine:
        raise NotFound()
    orgs = restrict(Organization.objects.filter(status__in=MATCHABLE), user, "view").filter(pk__in=mine)
    facts = load_facts(orgs, now=now)
    if not facts:
        return []
    tree = CategoryTree.load()
    out = []
    for order in hall(user).order_by("-created_at", "-id")[:HALL_WINDOW]:
        matches = rank(m for f in facts.values() if (m := score(order, f, tree)) is not None)
        if matches:
            out.append(Suggestion(order, matches[0]))
    out.sort(key=lambda s: (-s.match.total, s.order.urgency != Urgency.URGENT, s.order.created_at, s.order.pk))
    return out[: _limit(limit)]


def match_out(m: Match, rank_no: int) -> dict[str, Any]:
    """One ranked organization as the API and the pages show it."""
    org = m.org
    return {
        "rank": rank_no,
        "org": {
            "id": org.pk,
            "name": org.name,
            "org_type_label": org.get_org_type_display(),
            "grade_label": org.grade_label if org.grade_valid() else "",
        },
        "score": float(m.total),
        "reason": m.reason,
        "components": [c.as_dict() for c in m.components],
    }


def method() -> dict[str, Any]:
    """The published method, returned with every ranking so a reader can check it."""
    return {
        "weights": dict(WEIGHTS),
        "tie_rule": str(TIE_RULE),
        "rating_prior": {"count": rating_conf.prior_count(), "mean": rating_conf.prior_mean()},
        "reliability_prior": {"count": RELIABILITY_PRIOR[0], "rate": RELIABILITY_PRIOR[1]},
        "experience_half": EXPERIENCE_HALF,
    }
