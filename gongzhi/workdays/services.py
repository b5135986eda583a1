"""Entering a year's official holiday schedule (and reading it from the operators' CSV file).

Rules for a year's entries (checked by :func:`schedule_errors`, shown to operators in Chinese):

- every date lies inside the year, appears once, and is either a holiday or a workday, not both;
- at least one holiday: every official schedule has some, so none means a wrong or empty file;
- a holiday may fall on a weekend: the State Council's notices give whole spans ("10月1日至7日
  放假调休，共7天") and operators copy them as printed; such a row changes no count;
- a make-up workday (调休上班) must be a Saturday or Sunday: a weekday is a working day anyway, so a
  weekday there is almost surely a typo for another date.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.workdays.models import CalendarDay, CalendarYear
from gongzhi.workdays.selectors import clear_cache

Entry = tuple[date, str]

YEAR_MIN, YEAR_MAX = 2000, 2100
NAME_MAX = CalendarDay._meta.get_field("name").max_length or 50
WEEKDAYS = [
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
]


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _entries_errors(year: int, entries: Sequence[Entry], key: str, errors: dict[str, list[str]]) -> None:
    counts = Counter(d for d, _name in entries)
    for d, name in entries:
        if d.year != year:
            _add(
                errors, key, _("%(date)s 不在 %(year)s 年内，请核对年份或日期") % {"date": d.isoformat(), "year": year}
            )
        if len(name or "") > NAME_MAX:
            _add(errors, key, _("%(date)s 的名称太长，最多 %(n)s 个字") % {"date": d.isoformat(), "n": NAME_MAX})
    for d in sorted(d for d, n in counts.items() if n > 1):
        _add(errors, key, _("%(date)s 列出了 %(n)s 次，请只保留一行") % {"date": d.isoformat(), "n": counts[d]})


def schedule_errors(*, year: int, holidays: Sequence[Entry], workdays: Sequence[Entry]) -> dict[str, list[str]]:
    """What is wrong with a year's entries, by field (``year``, ``holidays``, ``workdays``); empty if nothing."""
    errors: dict[str, list[str]] = {}
    if not YEAR_MIN <= year <= YEAR_MAX:
        _add(errors, "year", _("年份应在 %(min)s 到 %(max)s 之间") % {"min": YEAR_MIN, "max": YEAR_MAX})
        return errors
    if not holidays:
        _add(errors, "holidays", _("请至少列出一个放假日期：每年的节假日安排都有放假日，没有则多半是文件不对"))
    _entries_errors(year, holidays, "holidays", errors)
    _entries_errors(year, workdays, "workdays", errors)
    off = {d for d, _name in holidays}
    for d, _name in sorted(workdays):
        if d in off:
            _add(errors, "workdays", _("%(date)s 同时列为放假和上班，请只保留正确的一种") % {"date": d.isoformat()})
        elif d.weekday() < 5:
            _add(
                errors,
                "workdays",
                _("%(date)s 是%(weekday)s，本来就上班；调休上班日应是星期六或星期日，请核对日期")
                % {"date": d.isoformat(), "weekday": WEEKDAYS[d.weekday()]},
            )
    return errors


def _days_data(entry: CalendarYear) -> dict[str, list[list[str]]]:
    days = list(entry.days.all())
    return {
        "holidays": [[d.date.isoformat(), d.name] for d in days if not d.is_workday],
        "workdays": [[d.date.isoformat(), d.name] for d in days if d.is_workday],
    }


def _forget_cached_years() -> None:
    # Now for readers later in this transaction, and after commit for readers that cached the old
    # rows in between.
    clear_cache()
    transaction.on_commit(clear_cache)


def calendar_year_enter(
    *, actor: Any, year: int, holidays: Sequence[Entry], workdays: Sequence[Entry], source: str
) -> CalendarYear:
    """Record ``year``'s official schedule, replacing what was entered for it before.

    ``holidays`` are the days off as the notice lists them, ``workdays`` the make-up working days
    (调休上班), each as ``(date, name)``. From then on this replaces chinese-calendar for ``year``.
    """
    holidays = [(d, (name or "").strip()) for d, name in holidays]
    workdays = [(d, (name or "").strip()) for d, name in workdays]
    source = (source or "").strip()
    errors = schedule_errors(year=year, holidays=holidays, workdays=workdays)
    if not source:
        _add(errors, "source", _("请填写依据，如国务院办公厅通知的标题和文号"))
    if errors:
        raise ValidationFailed(errors)
    by = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        entry, created = CalendarYear.objects.get_or_create(
            year=year, defaults={"source": source, "entered_by": by, "entered_at": timezone.now()}
        )
        previous = None
        if not created:
            entry = CalendarYear.objects.select_for_update().get(pk=entry.pk)
            previous = {"source": entry.source, **_days_data(entry)}
            entry.source, entry.entered_by, entry.entered_at = source, by, timezone.now()
            entry.save(update_fields=["source", "entered_by", "entered_at"])
            entry.days.all().delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(calendar_year=entry, date=d, is_workday=False, name=n) for d, n in sorted(holidays)]
            + [CalendarDay(calendar_year=entry, date=d, is_workday=True, name=n) for d, n in sorted(workdays)]
        )
        audit_record(
            actor=actor,
            action="workdays.year.entered",
            target=entry,
            data={"year": year, "source": source, **_days_data(entry), "previous": previous},
        )
        _forget_cached_years()
    return entry


def calendar_year_remove(*, actor: Any, year: int) -> None:
    """Withdraw an entered year: it falls back to chinese-calendar, or is missing again."""
    with transaction.atomic():
        entry = CalendarYear.objects.select_for_update().filter(year=year).first()
        if entry is None:
            raise NotFound(_("%(year)s 年没有录入过节假日安排") % {"year": year})
        audit_record(
            actor=actor,
            action="workdays.year.removed",
            target=entry,
            data={"year": year, "source": entry.source, **_days_data(entry)},
        )
        entry.delete()
        _forget_cached_years()


# ---- the operators' CSV file: date,kind,name ---------------------------------------------------

KINDS = {"holiday": False, "放假": False, "休": False, "workday": True, "上班": True, "班": True}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass
class ScheduleFile:
    holidays: list[Entry] = field(default_factory=list)
    workdays: list[Entry] = field(default_factory=list)


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on a Chinese Windows saves CSV in GB18030/GBK.
        return raw.decode("gb18030", errors="replace")


def _parse_date(text: str) -> date | None:
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _is_header(cells: list[str]) -> bool:
    return cells[0].strip().lower() in {"date", "日期"}


def parse_schedule_csv(raw: bytes | str) -> ScheduleFile:
    """Read ``date,kind,name`` rows (kind: holiday|workday, or 放假|上班); ``#`` lines are comments.

    Dates may be written 2027-01-01 or 2027/1/1 (as Excel saves them). Raises ValidationFailed
    with every bad line, numbered as an editor shows them.
    """
    result = ScheduleFile()
    problems: list[str] = []
    for number, cells in enumerate(csv.reader(io.StringIO(_decode(raw))), start=1):
        if not cells or not "".join(cells).strip() or cells[0].lstrip().startswith("#"):
            continue
        if number == 1 and _is_header(cells):
            continue
        if len(cells) not in (2, 3):
            problems.append(
                _("第 %(n)s 行：应为“日期,类型,名称”三列，实际有 %(k)s 列") % {"n": number, "k": len(cells)}
            )
            continue
        day, kind = _parse_date(cells[0]), KINDS.get(cells[1].strip().lower())
        if day is None:
            problems.append(
                _("第 %(n)s 行：日期“%(v)s”看不懂，应写成 2027-01-01") % {"n": number, "v": cells[0].strip()}
            )
        if kind is None:
            problems.append(
                _("第 %(n)s 行：类型“%(v)s”应为 holiday（放假）或 workday（上班）")
                % {"n": number, "v": cells[1].strip()}
            )
        if day is not None and kind is not None:
            (result.workdays if kind else result.holidays).append((day, cells[2].strip() if len(cells) == 3 else ""))
    if problems:
        raise ValidationFailed({"file": problems})
    return result
