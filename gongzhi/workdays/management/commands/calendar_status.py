"""`gongzhi calendar_status`: which years deadlines can be computed for, and what must be entered."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from gongzhi.workdays.models import CalendarYear
from gongzhi.workdays.selectors import PACKAGE_YEARS, covered_years, missing_upcoming_years


def year_ranges(years: list[int]) -> str:
    """[2004, 2005, 2006, 2027] → '2004–2006, 2027'."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


class Command(BaseCommand):
    help = "显示工作日历覆盖的年份，下一年未录入时提醒 / Show the years the working-day calendar covers; warn when next year is missing"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"已覆盖年份 / covered years: {year_ranges(covered_years())}")
        self.stdout.write(f"chinese-calendar: {PACKAGE_YEARS.start}–{PACKAGE_YEARS.stop - 1}")
        for entry in CalendarYear.objects.select_related("entered_by").annotate(n=Count("days")):
            who = entry.entered_by.username if entry.entered_by else "命令行 / command line"
            self.stdout.write(
                f"  {entry.year} 年 人工录入 / entered: {entry.source}（{entry.n} 条，{who}，"
                f"{timezone.localtime(entry.entered_at):%Y-%m-%d %H:%M}）"
            )
        for year in missing_upcoming_years():
            self.stderr.write(
                self.style.WARNING(
                    f"警告：{year} 年的法定节假日安排尚未录入，跨入该年的工单期限将无法计算。"
                    f"国务院办公厅公布后，请用 gongzhi calendar-import 录入。"
                    f" / Warning: {year} is not covered; enter it with gongzhi calendar-import."
                )
            )
