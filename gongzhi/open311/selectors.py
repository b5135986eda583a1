"""Reads for Open311: the districts served, services and their questions, where a request is, and the
public list of requests.

Everything an anonymous client may read goes through ``restrict(..., "public")`` (see ``policies``).
Categories are the one exception: they are public configuration in GeoReport, while the orders
app lets only signed-in users list them, so active categories are read here directly.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import restrict
from gongzhi.areas.models import Area, Level
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.open311.models import ApiKey, CommunityLocation, Jurisdiction, ServiceAttribute, Submission
from gongzhi.open311.parsing import is_number
from gongzhi.orders.models import Category, OrderEvent, State
from gongzhi.orgs.models import Department

# GeoReport has two statuses. "closed" means resolved: the service was delivered (completed; it may
# still be reopened, which makes it open again), confirmed/archived (closed), or withdrawn (cancelled).
CLOSED_STATES = (State.COMPLETED, State.CLOSED, State.CANCELLED)
OPEN_STATES = tuple(s for s in State.values if s not in CLOSED_STATES)

# How far (metres) a lat/long may lie from a community's centre and still be placed in it.
DEFAULT_MATCH_RADIUS_M = 2000


def bi(zh: str, en: str) -> str:
    """An error description for people (Chinese) and for the client's developers (English)."""
    return f"{zh} ({en})"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# ---- keys and districts ------------------------------------------------------------------------


def api_key_find(raw: str | None) -> ApiKey | None:
    """The active key with this value, or None (missing, unknown and revoked keys look the same)."""
    if not raw:
        return None
    return (
        ApiKey.objects.select_related("area", "user")
        .filter(key_hash=hash_key(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def jurisdictions(user: Any) -> QuerySet[Jurisdiction]:
    return restrict(Jurisdiction.objects.select_related("area"), user, "public").order_by("area__code")


def key_area(area_code: str) -> Area:
    """The area a new key may post into: a district, street or community inside a district served."""
    area = Area.objects.filter(code=(area_code or "").strip()).first()
    if area is None:
        raise ValidationFailed(
            {"area": [_("找不到区域“%(code)s”，请填写区划代码，例如 330903003") % {"code": area_code}]}
        )
    if area.level not in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        raise ValidationFailed(
            {"area": [_("密钥的区域应为区县、街道或社区，不能是%(level)s") % {"level": area.get_level_display()}]}
        )
    if not any(area.is_within(j.area) for j in jurisdictions(None)):
        raise ValidationFailed(
            {
                "area": [
                    _("%(area)s不在任何已开通的 Open311 辖区内，请先在管理后台添加辖区") % {"area": area.display_name}
                ]
            }
        )
    return area


def jurisdiction_resolve(user: Any, jurisdiction_id: str | None) -> Jurisdiction:
    """The district a call is about: named by ``jurisdiction_id``, or the only one served."""
    served = list(jurisdictions(user))
    if jurisdiction_id:
        found = next((j for j in served if j.area.code == jurisdiction_id), None)
        if found is None:
            raise NotFound(
                bi(
                    _("找不到辖区 jurisdiction_id=%(id)s，请使用本平台服务的区县代码：%(codes)s")
                    % {"id": jurisdiction_id, "codes": "、".join(j.area.code for j in served) or "—"},
                    f"jurisdiction_id {jurisdiction_id} not found",
                )
            )
        return found
    if not served:
        raise ValidationFailed(
            {
                "jurisdiction_id": [
                    bi(_("本平台尚未开通 Open311 辖区，请联系管理员"), "no jurisdiction is served by this endpoint")
                ]
            }
        )
    if len(served) > 1:
        raise ValidationFailed(
            {
                "jurisdiction_id": [
                    bi(
                        _("本平台服务多个区县，请提供 jurisdiction_id（区县代码）：%(codes)s")
                        % {"codes": "、".join(j.area.code for j in served)},
                        "jurisdiction_id is required: this endpoint serves several jurisdictions",
                    )
                ]
            }
        )
    return served[0]


# ---- services --------------------------------------------------------------------------------


def services() -> QuerySet[Category]:
    """Active categories, each annotated with ``has_metadata``: whether it asks extra questions."""
    asks = ServiceAttribute.objects.filter(category=OuterRef("pk"), active=True)
    return (
        Category.objects.filter(active=True)
        .select_related("parent")
        .annotate(has_metadata=Exists(asks))
        .order_by("sort", "code")
    )


def service_get(code: str) -> Category:
    category = services().filter(code=code).first()
    if category is None:
        raise NotFound(
            bi(
                _("找不到服务 service_code=%(code)s，请先调用 services 列表查看可用的服务") % {"code": code},
                f"service_code {code} not found",
            )
        )
    return category


def service_attributes(user: Any, category: Category) -> list[ServiceAttribute]:
    return list(restrict(ServiceAttribute.objects.filter(category=category), user, "public").order_by("order"))


def changeset(user: Any) -> datetime | None:
    """When the services' questions or the districts served last changed (discovery's ``changeset``)."""
    stamps = [
        qs.order_by("-updated_at").values_list("updated_at", flat=True).first()
        for qs in (restrict(ServiceAttribute.objects.all(), user, "public"), jurisdictions(user))
    ]
    return max((s for s in stamps if s), default=None)


# ---- where a request is ------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    community: Area
    grid: Area | None = None


def _distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance on a spherical Earth; plenty for 'which community is nearest'."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, h)))


def place_at(user: Any, jurisdiction: Jurisdiction, lat: Decimal, lng: Decimal) -> tuple[Place | None, float | None]:
    """The community whose centre is nearest to the point, if within the match radius; and the distance."""
    radius = getattr(settings, "OPEN311_MATCH_RADIUS_M", DEFAULT_MATCH_RADIUS_M)
    locations = restrict(CommunityLocation.objects.select_related("area"), user, "public").filter(
        area__path__startswith=jurisdiction.area.path
    )
    scored = [(_distance_m(float(lat), float(lng), float(loc.lat), float(loc.lng)), loc.area) for loc in locations]
    if not scored:
        return None, None
    distance, community = min(scored, key=lambda pair: pair[0])
    return (Place(community) if distance <= radius else None), distance


def _longest_name_in(text: str, area: Area) -> int:
    names = {n for n in (area.name, area.short_name) if n and len(n) >= 2}
    return max((len(n) for n in names if n in text), default=0)


def place_named(jurisdiction: Jurisdiction, text: str, prefer: Area | None = None) -> tuple[Place | None, list[Area]]:
    """The community (and grid) whose name appears in an address, e.g. …东港街道兴普社区3号楼 → 兴普社区.

    Among several communities named in the text, the longest name wins; then one whose street is
    also named; then one inside ``prefer`` (the key's area). Returns the candidates when still ambiguous.
    """
    communities = list(
        Area.objects.filter(path__startswith=jurisdiction.area.path, level=Level.COMMUNITY).select_related("parent")
    )
    scored = [(n, a) for a in communities if (n := _longest_name_in(text, a))]
    if not scored:
        return None, []
    best = max(n for n, _a in scored)
    candidates = [a for n, a in scored if n == best]
    for narrow in (
        lambda a: a.parent is not None and _longest_name_in(text, a.parent) > 0,
        lambda a: prefer is not None and a.is_within(prefer),
    ):
        if len(candidates) > 1:
            candidates = [a for a in candidates if narrow(a)] or candidates
    if len(candidates) > 1:
        return None, candidates
    community = candidates[0]
    grids = [g for g in Area.objects.filter(parent=community, level=Level.GRID) if _longest_name_in(text, g)]
    return Place(community, grids[0] if len(grids) == 1 else None), candidates


# ---- requests ----------------------------------------------------------------------------------


def _with_history(qs: QuerySet[Submission]) -> QuerySet[Submission]:
    events = OrderEvent.objects.select_related("org", "department").order_by("at", "id")
    return qs.select_related(
        "order__category", "order__org", "order__department", "order__community", "order__area"
    ).prefetch_related(Prefetch("order__events", queryset=events))


def requests_for(user: Any, jurisdiction: Jurisdiction) -> QuerySet[Submission]:
    """Requests posted through Open311 in the district: the only ones GeoReport publishes."""
    qs = restrict(Submission.objects.all(), user, "public").filter(jurisdiction=jurisdiction)
    return _with_history(qs).order_by("-created_at", "-order_id")


def requests_search(
    user: Any,
    jurisdiction: Jurisdiction,
    *,
    ids: list[int] | None = None,
    codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: list[str] | None = None,
) -> QuerySet[Submission]:
    """GET requests: ``ids`` overrides every other filter, as the spec says."""
    qs = requests_for(user, jurisdiction)
    if ids is not None:
        return qs.filter(order_id__in=ids)
    if codes:
        qs = qs.filter(order__category__code__in=codes)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if statuses:
        states = [s for status in statuses for s in (CLOSED_STATES if status == "closed" else OPEN_STATES)]
        qs = qs.filter(order__state__in=states)
    return qs


def request_get(user: Any, jurisdiction: Jurisdiction, request_id: str) -> Submission:
    found = requests_for(user, jurisdiction).filter(order_id=int(request_id)).first() if is_number(request_id) else None
    if found is None:
        raise NotFound(
            bi(_("找不到编号为 %(id)s 的服务请求") % {"id": request_id}, f"service_request_id {request_id} not found")
        )
    return found


def unknown_service_codes(codes: list[str]) -> list[str]:
    known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
    return [c for c in codes if c not in known]


def department_names(submissions: list[Submission]) -> dict[int, str]:
    """Names of departments that events mention only by id (a returned case no longer has one)."""
    ids: set[int] = {
        e.data["department"]
        for s in submissions
        for e in s.order.events.all()
        if isinstance(e.data, dict) and isinstance(e.data.get("department"), int)
    }
    return dict(Department.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def attributes_by_category(user: Any, submissions: list[Submission]) -> dict[int, list[ServiceAttribute]]:
    """The questions of the services in a page of requests, to label their answers; one query.

    Questions retired since (inactive) still label the answers given to them.
    """
    category_ids = {s.order.category_id for s in submissions}
    by_category: dict[int, list[ServiceAttribute]] = {c: [] for c in category_ids}
    if category_ids:
        qs = restrict(ServiceAttribute.objects.filter(category_id__in=category_ids), user, "label")
        for attribute in qs.order_by("category_id", "order"):
            by_category[attribute.category_id].append(attribute)
    return by_category
