"""Working-day answers against the real 2026 schedule (as chinese-calendar has it), and the missing year."""

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from gongzhi.core.errors import Conflict
from gongzhi.workdays.selectors import (
    CHINA,
    CalendarYearMissing,
    add_working_days,
    covered_years,
    is_workday,
    working_days_between,
    year_schedule,
)

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CHINA)


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, tzinfo=CHINA)


def test_2026_national_day_and_mid_autumn():
    assert all(not is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert [is_workday(date(2026, 9, d)) for d in (25, 26, 27)] == [False, False, False]  # 中秋 Fri–Sun
    # Make-up working days: Sunday 20 September and Saturday 10 October.
    assert is_workday(date(2026, 9, 20)) and is_workday(date(2026, 10, 10))
    assert not is_workday(date(2026, 9, 19)) and not is_workday(date(2026, 10, 11))
    assert year_schedule(2026).holidays[date(2026, 10, 1)] == "国庆节"


def test_one_working_day_from_the_eve_of_national_day_is_the_8th():
    deadline = add_working_days(at(2026, 9, 30), 1)
    assert deadline == end_of(2026, 10, 8)
    assert deadline.isoformat() == "2026-10-08T23:59:59+08:00"


def test_make_up_weekend_days_count():
    assert add_working_days(at(2026, 9, 18), 1) == end_of(2026, 9, 20)  # Fri → the make-up Sunday
    assert add_working_days(at(2026, 10, 9), 1) == end_of(2026, 10, 10)  # Fri → the make-up Saturday
    assert add_working_days(at(2026, 10, 10), 1) == end_of(2026, 10, 12)  # skips Sunday 11th


def test_ordinary_weekend():
    friday, saturday = at(2026, 11, 20), at(2026, 11, 21)
    assert add_working_days(friday, 0) == end_of(2026, 11, 20)
    assert add_working_days(friday, 1) == end_of(2026, 11, 23)
    assert add_working_days(saturday, 0) == end_of(2026, 11, 23)  # counts from Monday
    assert add_working_days(saturday, 1) == end_of(2026, 11, 24)
    assert add_working_days(at(2026, 11, 23), 5) == end_of(2026, 11, 30)


def test_start_is_taken_as_the_day_in_china():
    # 17:00 UTC on Friday is 01:00 on Saturday in Beijing.
    assert add_working_days(datetime(2026, 11, 20, 17, 0, tzinfo=UTC), 0) == end_of(2026, 11, 23)
    assert add_working_days(datetime(2026, 11, 20, 15, 59, tzinfo=UTC), 0) == end_of(2026, 11, 20)
    assert add_working_days(datetime(2026, 11, 20, 9, 0), 0) == end_of(2026, 11, 20)  # naive = Beijing time


def test_negative_days_is_a_programming_error():
    with pytest.raises(ValueError):
        add_working_days(at(2026, 11, 20), -1)


def test_working_days_between():
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert working_days_between(date(2026, 10, 8), date(2026, 9, 30)) == -1
    assert working_days_between(date(2026, 9, 30), date(2026, 9, 30)) == 0
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1
    # September after the 1st: 21 weekdays − 中秋 25th + Sunday 20th = 21; October: 22 − 5 + Saturday 10th = 18.
    assert working_days_between(date(2026, 9, 1), date(2026, 10, 31)) == 39
    assert len(chinese_calendar.get_workdays(date(2026, 9, 2), date(2026, 10, 31))) == 39


def test_package_years_agree_with_chinese_calendar_every_day():
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_a_year_nobody_entered_is_an_error_not_a_guess():
    with pytest.raises(CalendarYearMissing) as caught:
        is_workday(date(2027, 1, 4))
    exc = caught.value
    assert isinstance(exc, Conflict) and exc.status == 409
    assert exc.year == 2027
    assert str(exc.message).startswith("2027 年的法定节假日安排尚未录入，无法计算工作日期限。")
    assert "gongzhi calendar-import" in str(exc.message)
    assert exc.payload() == {"code": "calendar_year_missing", "detail": str(exc.message), "year": 2027}
    with pytest.raises(CalendarYearMissing, match="2003 年"):
        is_workday(date(2003, 12, 31))


def test_deadline_reaching_into_a_missing_year_fails():
    assert add_working_days(at(2026, 12, 30), 1) == end_of(2026, 12, 31)  # stays in 2026: fine
    with pytest.raises(CalendarYearMissing, match="2027"):
        add_working_days(at(2026, 12, 30), 2)
    with pytest.raises(CalendarYearMissing):
        working_days_between(date(2026, 12, 30), date(2027, 1, 5))


def test_covered_years():
    assert covered_years() == list(range(2004, 2027))


def test_cached_lookups_make_no_queries(django_assert_num_queries):
    is_workday(date(2026, 5, 6))
    with django_assert_num_queries(0):
        add_working_days(at(2026, 1, 5), 200)
        working_days_between(date(2026, 1, 1), date(2026, 12, 31))
