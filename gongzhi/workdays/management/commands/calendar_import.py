"""`gongzhi calendar-import FILE --year 2027 --source "…"`: enter a year's official holiday schedule."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.accounts.models import User
from gongzhi.core.errors import ValidationFailed
from gongzhi.workdays.selectors import PACKAGE_YEARS
from gongzhi.workdays.services import Entry, calendar_year_enter, parse_schedule_csv, schedule_errors


def _errors_text(errors: dict[str, list[str]]) -> str:
    return "\n".join(message for messages in errors.values() for message in messages)


def summary(holidays: list[Entry], workdays: list[Entry]) -> list[str]:
    """One line per name: 春节：放假 2027-02-06 … 2027-02-12 共 7 天；调休上班 2027-02-20."""
    by_name: dict[str, dict[bool, list[str]]] = defaultdict(lambda: {False: [], True: []})
    for is_workday, entries in ((False, holidays), (True, workdays)):
        for day, name in sorted(entries):
            by_name[name or "（未命名）"][is_workday].append(day.isoformat())
    lines = []
    for name, kinds in by_name.items():
        parts = []
        if kinds[False]:
            off = kinds[False]
            parts.append(f"放假 {off[0]} … {off[-1]} 共 {len(off)} 天" if len(off) > 1 else f"放假 {off[0]}")
        if kinds[True]:
            parts.append("调休上班 " + "、".join(kinds[True]))
        lines.append(f"  {name}：" + "；".join(parts))
    return lines


class Command(BaseCommand):
    help = (
        "录入一年的法定节假日安排（CSV：日期,类型,名称；类型为 holiday 放假 或 workday 上班）"
        " / Enter a year's public holiday schedule (CSV: date,kind,name; kind holiday or workday)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV 文件 / CSV file (UTF-8 or GBK)")
        parser.add_argument("--year", type=int, required=True, help="年份，如 2027 / the year, e.g. 2027")
        parser.add_argument(
            "--source",
            required=True,
            help="依据：国务院办公厅通知的标题和文号 / source: title and number of the State Council notice",
        )
        parser.add_argument("--by", default="", help="录入人用户名（记入审计）/ username of the operator (audited)")
        parser.add_argument("--dry-run", action="store_true", help="只检查不保存 / check only, save nothing")

    def handle(self, *args: Any, file: Path, year: int, source: str, by: str, dry_run: bool, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"找不到文件 / file not found: {file}")
        actor = User.objects.filter(username=by).first() if by else None
        if by and actor is None:
            raise CommandError(f"找不到用户 / no such user: {by}")
        try:
            rows = parse_schedule_csv(file.read_bytes())
            if dry_run:
                errors = schedule_errors(year=year, holidays=rows.holidays, workdays=rows.workdays)
                if errors:
                    raise ValidationFailed(errors)
            else:
                calendar_year_enter(
                    actor=actor, year=year, holidays=rows.holidays, workdays=rows.workdays, source=source
                )
        except ValidationFailed as exc:
            raise CommandError("文件有误，未保存 / not saved:\n" + _errors_text(exc.errors)) from exc
        verb = "检查通过（未保存）/ checked, not saved" if dry_run else "已录入 / entered"
        self.stdout.write(
            self.style.SUCCESS(f"{verb}: {year} 年 放假 {len(rows.holidays)} 天，调休上班 {len(rows.workdays)} 天")
        )
        self.stdout.write("\n".join(summary(rows.holidays, rows.workdays)))
        if year in PACKAGE_YEARS and not dry_run:
            self.stdout.write(
                f"注意：{year} 年已由 chinese-calendar 提供，今后以本次录入为准。"
                f" / Note: this replaces chinese-calendar's data for {year}."
            )
