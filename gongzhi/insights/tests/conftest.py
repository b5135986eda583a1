"""Fixtures for insight tests: a controllable clock for the order services and a small history builder.

Histories are built through the real order services (so the counters are maintained the way they are in
production); the clock decides when each transition happens.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.accounts.models import User
from gongzhi.insights import services as insight_services
from gongzhi.orders import services
from gongzhi.orders.models import Order

CHINA = ZoneInfo("Asia/Shanghai")
XP = "330903003005"
WK = "330903003008"
XP1 = f"{XP}-001"
XP2 = f"{XP}-002"


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    """The order and insight services' clock, starting Monday 2 March 2026, 09:00 in Zhoushan."""
    c = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=CHINA))
    monkeypatch.setattr(services, "_now", c)
    monkeypatch.setattr(insight_services, "_now", c)
    return c


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 160, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile("s.jpg", buffer.getvalue(), content_type="image/jpeg")


class History:
    """Short verbs for a history of orders, each one service call as the demo persona who would act."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.users: dict[str, User] = {}

    def u(self, name: str) -> User:
        if name not in self.users:
            self.users[name] = User.objects.get(username=name)
        return self.users[name]

    def post(
        self,
        who: str = "resident_a",
        *,
        category: str = "elderly_care",
        grid: str | None = XP1,
        community: str = XP,
        **extra: Any,
    ) -> Order:
        if who in ("street_dg", "community_xp") and "org" not in extra and "on_behalf_of" not in extra:
            extra["on_behalf_of"] = {"name": "王奶奶", "phone": "13905801234"}
        return services.order_create(
            actor=self.u(who),
            category=category,
            title="帮忙买菜",
            description="腿脚不便，想请人帮忙买菜。",
            community=community,
            grid=grid,
            **extra,
        )

    def claim(self, order: Order, who: str = "org_a", after: dict[str, float] | None = None) -> Order:
        self._wait(after)
        return services.order_claim(actor=self.u(who), order_id=order.pk)

    def complete(self, order: Order, who: str = "org_a", after: dict[str, float] | None = None) -> Order:
        self._wait(after)
        return services.order_complete(
            actor=self.u(who), order_id=order.pk, description="已上门完成服务。", photos=[jpeg()]
        )

    def rate(self, order: Order, stars: int, who: str = "resident_a", after: dict[str, float] | None = None) -> Any:
        self._wait(after)
        return services.order_rate(actor=self.u(who), order_id=order.pk, stars=stars)

    def reopen(self, order: Order, who: str = "resident_a") -> Order:
        return services.order_reopen(actor=self.u(who), order_id=order.pk, reason="还没有修好")

    def done(
        self,
        order: Order,
        who: str = "org_a",
        *,
        accept: dict[str, float],
        complete: dict[str, float],
        stars: int | None = None,
        rater: str = "resident_a",
    ) -> Order:
        """Claim after ``accept``, complete after ``complete`` more, rate if ``stars``."""
        self.claim(order, who, accept)
        self.complete(order, who, complete)
        if stars is not None:
            self.rate(order, stars, rater)
        return Order.objects.get(pk=order.pk)

    def _wait(self, after: dict[str, float] | None) -> None:
        if after:
            self.clock.advance(**after)


@pytest.fixture
def history(demo: None, clock: Clock) -> History:
    return History(clock)
