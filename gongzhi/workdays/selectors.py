"""Working days for order deadlines: the Chinese public holiday calendar with make-up workdays (调休).

A year's schedule comes from the operator-entered :class:`~gongzhi.workdays.models.CalendarYear`
when there is one, otherwise from the ``chinese-calendar`` package. A year known to neither raises
:class:`CalendarYearMissing` (409): a deadline computed on weekends alone would be wrong around
every holiday, so we refuse rather than guess.

Dates are days in China (Asia/Shanghai) whatever the server's time zone: a datetime is first
converted to its Beijing date.
"""

from __future__ import annotations

import time as monotonic_clock
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import Holiday
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import Conflict
from gongzhi.workdays.models import CalendarYear

CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
ONE_DAY = timedelta(days=1)
PACKAGE_SOURCE = "chinese-calendar"
PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

# Services clear the cache in their own process; other processes (web workers while an operator
# runs the import command) see a correction within this many seconds because the epoch is part of
# the cache key. A year that was missing is never cached, so a newly entered year shows at once.
REFRESH_SECONDS = 300


class CalendarYearMissing(Conflict):
    """A date falls in a year whose official holiday schedule nobody has entered yet."""

    code = "calendar_year_missing"

    def __init__(self, year: int) -> None:
        self.year = year
        message = _(
            "%(year)s 年的法定节假日安排尚未录入，无法计算工作日期限。"
            "请系统管理员用 `gongzhi calendar-import` 录入国务院办公厅公布的安排。"
        ) % {"year": year}
        super().__init__(message, extra={"year": year})


@dataclass(frozen=True)
class YearSchedule:
    """One year's exceptions to "Monday to Friday work", and where they came from."""

    year: int
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]
    source: str

    def is_workday(self, day: date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


def _package_name(value: str) -> str:
    try:
        return Holiday(value).chinese
    except ValueError:
        return value


def _package_schedule(year: int) -> YearSchedule:
    def of_year(table: dict[date, str]) -> Mapping[date, str]:
        return MappingProxyType({d: _package_name(v) for d, v in table.items() if d.year == year})

    return YearSchedule(year, of_year(chinese_calendar.holidays), of_year(chinese_calendar.workdays), PACKAGE_SOURCE)


def _entered_schedule(entry: CalendarYear) -> YearSchedule:
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for day in entry.days.all():
        (workdays if day.is_workday else holidays)[day.date] = day.name
    return YearSchedule(entry.year, MappingProxyType(holidays), MappingProxyType(workdays), entry.source)


@lru_cache(maxsize=64)
def _schedule(year: int, epoch: int) -> YearSchedule:
    entry = CalendarYear.objects.filter(year=year).first()
    if entry is not None:
        return _entered_schedule(entry)
    if year in PACKAGE_YEARS:
        return _package_schedule(year)
    raise CalendarYearMissing(year)


def clear_cache() -> None:
    """Forget every cached year; services call this after writing a year."""
    _schedule.cache_clear()


def year_schedule(year: int) -> YearSchedule:
    """The schedule in force for ``year``; raises :class:`CalendarYearMissing` if there is none."""
    return _schedule(year, int(monotonic_clock.monotonic() // REFRESH_SECONDS))


def china_date(value: date | datetime) -> date:
    """The day in China that ``value`` falls on (a naive datetime is taken as Beijing time)."""
    if isinstance(value, datetime):
        return value.astimezone(CHINA).date() if timezone.is_aware(value) else value.date()
    return value


def is_workday(d: date) -> bool:
    day = china_date(d)
    return year_schedule(day.year).is_workday(day)


def _next_workday(day: date) -> date:
    day += ONE_DAY
    while not is_workday(day):
        day += ONE_DAY
    return day


def add_working_days(start: datetime, days: int) -> datetime:
    """The deadline ``days`` working days after ``start``: 23:59:59 Beijing time of that working day.

    A start on a non-working day counts from the next working day; ``days=0`` is the end of the
    start day if it is a working day, else the end of the next working day.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = china_date(start)
    if not is_workday(day):
        day = _next_workday(day)
    for _step in range(days):
        day = _next_workday(day)
    return datetime.combine(day, END_OF_DAY, tzinfo=CHINA)


def working_days_between(start: date, end: date) -> int:
    """How many working days fall after ``start`` up to and including ``end``.

    So ``working_days_between(d, add_working_days(d, n).date()) == n`` for a working day ``d``
    (n + 1 when ``d`` is not one, as counting then starts on the next working day). Negative
    when ``end`` is before ``start``: ``working_days_between(deadline, today)`` > 0 means overdue.
    """
    first, last = china_date(start), china_date(end)
    if last < first:
        return -working_days_between(last, first)
    count = 0
    day = first + ONE_DAY
    while day <= last:
        count += is_workday(day)
        day += ONE_DAY
    return count


def covered_years() -> list[int]:
    """Years for which deadlines can be computed: the package's and those entered by operators."""
    entered = CalendarYear.objects.values_list("year", flat=True)
    return sorted(set(PACKAGE_YEARS) | set(entered))


def missing_upcoming_years(today: date | None = None) -> list[int]:
    """This year and next year, where not covered: what an operator must enter soon."""
    today = today or timezone.localdate(timezone=CHINA)
    covered = set(covered_years())
    return [y for y in (today.year, today.year + 1) if y not in covered]
