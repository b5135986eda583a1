"""Fixtures for the calendar tests: a clean lookup cache, and a made-up 2027 schedule.

The 2027 rows below are invented for the tests (plausible, not the official schedule).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from gongzhi.workdays.selectors import clear_cache

HOLIDAYS_2027 = [
    (date(2027, 1, 1), "元旦"),
    (date(2027, 1, 2), "元旦"),
    (date(2027, 1, 3), "元旦"),
    *[(date(2027, 2, d), "春节") for d in range(5, 14)],
]
WORKDAYS_2027 = [(date(2027, 2, 20), "春节")]
SOURCE_2027 = "测试用：虚构的 2027 年安排"

CSV_2027 = (
    """date,kind,name
# 测试用虚构数据
2027-01-01,holiday,元旦
2027/1/2,holiday,元旦
2027-01-03,放假,元旦
"""
    + "".join(f"2027-02-{d:02d},holiday,春节\n" for d in range(5, 14))
    + "2027-02-20,workday,春节\n"
)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    # Each test's database rolls back; a year cached by one test must not leak into the next.
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def enter_2027(db):
    from gongzhi.workdays.services import calendar_year_enter

    def enter(actor=None):
        return calendar_year_enter(
            actor=actor, year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, source=SOURCE_2027
        )

    return enter


@pytest.fixture
def today(monkeypatch):
    """``today(date(2026, 11, 22))`` makes that the current day in China for the calendar warnings."""
    from django.utils import timezone

    def set_today(day: date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_today
