"""Test data for matching and the four lists: a street of its own, organizations and order histories.

The street 测试街道 (330903998) is served by no demo organization, so a ranking built there holds
exactly the organizations a test puts in it. Histories are written with the ORM in bulk: these tests
check what is computed from orders, not how orders move (the orders app tests that).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area, Level
from gongzhi.orders.models import Category, Order, RaterRole, Rating, State
from gongzhi.orgs.models import Organization, OrgStatus, OrgType, ServiceOffer

_serial = itertools.count(1)
STREET, C1, C2 = "330903998", "330903998001", "330903998002"
G1 = f"{C1}-001"


@dataclass(frozen=True)
class Place:
    street: Area
    c1: Area
    c2: Area
    g1: Area


def _area(code: str, name: str, level: str, parent: Area) -> Area:
    area, _created = Area.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": name,
            "level": level,
            "parent": parent,
            "path": f"{parent.path}{code}/",
            "depth": parent.depth + 1,
        },
    )
    return area


def place() -> Place:
    district = Area.objects.get(code="330903")
    street = _area(STREET, "测试街道", Level.STREET, district)
    c1 = _area(C1, "甲社区", Level.COMMUNITY, street)
    return Place(street, c1, _area(C2, "乙社区", Level.COMMUNITY, street), _area(G1, "甲一网格", Level.GRID, c1))


def org(*served: Area, status: str = OrgStatus.ACTIVE, name: str = "") -> Organization:
    o = Organization.objects.create(
        name=name or f"匹配测试组织{next(_serial)}",
        org_type=OrgType.SERVICE_INSTITUTION,
        status=status,
        home_area=Area.objects.get(code="330903"),
    )
    o.areas_served.set(served)
    return o


def offer(
    o: Organization, code: str, *, capacity: int = 0, area: Area | None = None, title: str = "", active: bool = True
) -> ServiceOffer:
    return ServiceOffer.objects.create(
        organization=o,
        category_code=code,
        title=title or f"{code} 服务",
        capacity_per_month=capacity,
        area=area,
        active=active,
    )


def cat(code: str) -> Category:
    return Category.objects.get(code=code)


def admin() -> User:
    return User.objects.get(username="admin")


def order(area: Area, code: str = "elderly_care", **fields: Any) -> Order:
    now = timezone.now()
    values: dict[str, Any] = {
        "channel": "web",
        "category": cat(code),
        "title": "测试需求",
        "description": "测试",
        "area": area,
        "community": area if area.level == Level.COMMUNITY else area.parent,
        "created_by": admin(),
        "created_at": now,
        "accept_by": now + timedelta(days=3),
    }
    values.update(fields)
    return Order.objects.create(**values)


def history(
    o: Organization,
    area: Area,
    n: int,
    *,
    code: str = "elderly_care",
    state: str = State.CLOSED,
    accepted_at: datetime | None = None,
    complete_by: datetime | None = None,
) -> list[Order]:
    """``n`` orders the organization took on (and, by default, finished) some time ago."""
    now = timezone.now()
    taken = accepted_at or now - timedelta(days=90)
    done = state in (State.COMPLETED, State.CLOSED)
    rows = [
        Order(
            channel="web",
            category=cat(code),
            title="历史需求",
            description="历史",
            area=area,
            community=area if area.level == Level.COMMUNITY else area.parent,
            created_by=admin(),
            created_at=taken - timedelta(hours=1),
            accepted_at=taken,
            org=o,
            state=state,
            complete_by=complete_by or taken + timedelta(days=5),
            completed_at=taken + timedelta(days=1) if done else None,
            closed_at=taken + timedelta(days=2) if state == State.CLOSED else None,
        )
        for _i in range(n)
    ]
    return Order.objects.bulk_create(rows)


def rate(orders: list[Order], stars: list[int]) -> None:
    rater = admin()
    Rating.objects.bulk_create(
        [
            Rating(order=o, rater=rater, rater_role=RaterRole.STAFF, org=o.org, stars=s, created_at=timezone.now())
            for o, s in zip(orders, stars, strict=False)
        ]
    )


XP, XP_GRID = "330903003005", "330903003005-001"


def need_poster(api: Any) -> Callable[..., dict[str, Any]]:
    """A function that posts a need in 兴普一网格 (as resident_a by default) and returns the API's answer."""

    def post(username: str = "resident_a", **fields: Any) -> dict[str, Any]:
        body = {
            "category": "elderly_care",
            "title": "帮忙买菜",
            "description": "腿脚不便，想请人每周帮忙买两次菜。",
            "community": XP,
            "grid": XP_GRID,
            "address": "兴普社区3号楼201室",
            **fields,
        }
        response = api(username).post("orders", body)
        assert response.status_code == 201, response.content.decode()
        return response.json()

    return post


def jpeg(name: str = "service.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
