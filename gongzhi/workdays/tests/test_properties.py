"""Properties of deadlines over random starts in 2025–2026 and N in 0..30."""

from datetime import date, datetime, time, timedelta

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.workdays.selectors import (
    CHINA,
    CalendarYearMissing,
    add_working_days,
    is_workday,
    working_days_between,
)

pytestmark = pytest.mark.django_db
starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31, 23, 59))
days_2025_2026 = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))
fixture_ok = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@fixture_ok
@given(start=starts, n=st.integers(min_value=0, max_value=30))
def test_deadline_is_the_nth_working_day(db, start, n):
    start = start.replace(tzinfo=CHINA)
    try:
        deadline = add_working_days(start, n)
    except CalendarYearMissing as exc:
        # Only a start late in 2026 may reach into 2027, which nobody has entered.
        assert exc.year == 2027 and start.date() >= date(2026, 11, 1)
        return
    day = deadline.date()
    assert deadline.tzinfo == CHINA and deadline.time() == time(23, 59, 59)
    assert day >= start.date()
    assert is_workday(day) and chinese_calendar.is_workday(day)
    extra = 0 if is_workday(start.date()) else 1  # a non-working start counts from the next working day
    assert working_days_between(start.date(), day) == n + extra
    # Being a working day, nothing earlier reaches the count: the deadline is the first such day.
    assert working_days_between(start.date(), day - timedelta(days=1)) == n + extra - 1


@fixture_ok
@given(a=days_2025_2026, b=days_2025_2026, c=days_2025_2026)
def test_working_days_between_adds_up(db, a, b, c):
    assert working_days_between(a, b) == -working_days_between(b, a)
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)
