"""Entering a year: deadlines across the new year, overriding the package, validation, audit."""

from datetime import date, datetime

import pytest

from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.workdays.models import CalendarDay, CalendarYear
from gongzhi.workdays.selectors import (
    CHINA,
    CalendarYearMissing,
    add_working_days,
    covered_years,
    is_workday,
    working_days_between,
    year_schedule,
)
from gongzhi.workdays.services import calendar_year_enter, calendar_year_remove

from .conftest import HOLIDAYS_2027, SOURCE_2027, WORKDAYS_2027

pytestmark = pytest.mark.django_db


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, tzinfo=CHINA)


def test_entering_2027_lets_deadlines_cross_the_new_year(enter_2027, user):
    start = datetime(2026, 12, 30, 10, 0, tzinfo=CHINA)
    with pytest.raises(CalendarYearMissing):
        add_working_days(start, 2)
    entry = enter_2027(actor=user("admin"))
    assert entry.entered_by == user("admin") and entry.source == SOURCE_2027
    # Thu 31 Dec is the 1st; 元旦 Fri 1 Jan – Sun 3 Jan is off; Mon 4 Jan is the 2nd.
    assert add_working_days(start, 2) == end_of(2027, 1, 4)
    assert add_working_days(datetime(2027, 2, 4, 9, tzinfo=CHINA), 1) == end_of(2027, 2, 15)  # after 春节
    assert add_working_days(datetime(2027, 2, 19, 9, tzinfo=CHINA), 1) == end_of(2027, 2, 20)  # make-up Saturday
    assert working_days_between(date(2026, 12, 30), date(2027, 1, 4)) == 2
    assert not is_workday(date(2027, 1, 1)) and is_workday(date(2027, 1, 5)) and not is_workday(date(2027, 1, 9))
    assert 2027 in covered_years()


def test_entered_rows_and_audit(enter_2027, user):
    entry = enter_2027(actor=user("admin"))
    assert entry.days.filter(is_workday=False).count() == len(HOLIDAYS_2027)
    assert list(entry.days.filter(is_workday=True).values_list("date", "name")) == WORKDAYS_2027
    audit = AuditEntry.objects.get(action="workdays.year.entered")
    assert audit.actor == user("admin") and audit.target_id == str(entry.pk)
    assert audit.data["year"] == 2027 and audit.data["previous"] is None
    assert audit.data["workdays"] == [["2027-02-20", "春节"]]


def test_entering_again_replaces_the_year(enter_2027):
    enter_2027()
    assert add_working_days(datetime(2027, 2, 19, 9, tzinfo=CHINA), 1) == end_of(2027, 2, 20)
    entry = calendar_year_enter(
        actor=None, year=2027, holidays=[(date(2027, 1, 1), "元旦")], workdays=[], source="更正"
    )
    assert CalendarYear.objects.count() == 1 and entry.days.count() == 1
    assert is_workday(date(2027, 2, 8))  # 春节 no longer entered: the cache saw the correction
    assert add_working_days(datetime(2027, 2, 19, 9, tzinfo=CHINA), 1) == end_of(2027, 2, 22)
    latest = AuditEntry.objects.filter(action="workdays.year.entered").order_by("-at", "-seq").first()
    assert latest.data["previous"]["source"] == SOURCE_2027
    assert len(latest.data["previous"]["holidays"]) == len(HOLIDAYS_2027)


def test_entered_year_overrides_the_package(user):
    assert not is_workday(date(2026, 10, 1))
    calendar_year_enter(
        actor=user("admin"), year=2026, holidays=[(date(2026, 1, 1), "元旦")], workdays=[], source="测试：覆盖 2026"
    )
    assert is_workday(date(2026, 10, 1)) and not is_workday(date(2026, 10, 10))
    assert year_schedule(2026).source == "测试：覆盖 2026"
    calendar_year_remove(actor=user("admin"), year=2026)
    assert not is_workday(date(2026, 10, 1)) and year_schedule(2026).source == "chinese-calendar"
    assert AuditEntry.objects.filter(action="workdays.year.removed", data__year=2026).exists()


def test_removing_an_entered_year_makes_it_missing_again(enter_2027):
    enter_2027()
    calendar_year_remove(actor=None, year=2027)
    assert not CalendarDay.objects.exists()
    with pytest.raises(CalendarYearMissing):
        is_workday(date(2027, 1, 4))
    with pytest.raises(NotFound):
        calendar_year_remove(actor=None, year=2027)


def enter(**overrides):
    args = {
        "actor": None,
        "year": 2027,
        "holidays": HOLIDAYS_2027,
        "workdays": WORKDAYS_2027,
        "source": SOURCE_2027,
        **overrides,
    }
    with pytest.raises(ValidationFailed) as caught:
        calendar_year_enter(**args)
    assert not CalendarYear.objects.exists() and not CalendarDay.objects.exists()
    assert not AuditEntry.objects.filter(action="workdays.year.entered").exists()
    return caught.value.errors


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"holidays": [*HOLIDAYS_2027, (date(2026, 12, 31), "元旦")]}, "holidays", "2026-12-31 不在 2027 年内"),
        ({"workdays": [(date(2028, 1, 8), "")]}, "workdays", "2028-01-08 不在 2027 年内"),
        ({"workdays": [(date(2027, 2, 8), "春节")]}, "workdays", "2027-02-08 同时列为放假和上班"),
        ({"workdays": [(date(2027, 2, 22), "春节")]}, "workdays", "2027-02-22 是星期一，本来就上班"),
        ({"holidays": [*HOLIDAYS_2027, (date(2027, 1, 1), "元旦")]}, "holidays", "2027-01-01 列出了 2 次"),
        ({"holidays": []}, "holidays", "请至少列出一个放假日期"),
        ({"source": "  "}, "source", "请填写依据"),
        ({"holidays": [(date(2027, 1, 1), "元" * 51)]}, "holidays", "名称太长，最多 50 个字"),
        (
            {"year": 1999, "holidays": [(date(1999, 1, 1), "元旦")], "workdays": []},
            "year",
            "年份应在 2000 到 2100 之间",
        ),
    ],
)
def test_validation_says_what_to_fix(overrides, field, expected):
    errors = enter(**overrides)
    assert any(expected in message for message in errors[field]), errors


def test_holidays_on_a_weekend_are_accepted(enter_2027):
    # Sat 2 and Sun 3 January are in HOLIDAYS_2027, as an official notice prints the span.
    assert date(2027, 1, 2).weekday() == 5
    enter_2027()
    assert year_schedule(2027).holidays[date(2027, 1, 2)] == "元旦"
    assert working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 1


def test_all_problems_are_reported_at_once():
    errors = enter(holidays=[(date(2026, 1, 1), "")], workdays=[(date(2027, 3, 1), "")], source="")
    assert set(errors) == {"holidays", "workdays", "source"}
