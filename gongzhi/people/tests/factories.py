"""Generated ledgers for the import tests and the benchmark: real-shaped rows, clearly fake ID numbers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from gongzhi.people.validators import fake_id_number

HEADERS = ["序号", "姓名", "公民身份号码", "联系电话", "住址", "楼栋", "门牌号", "网格", "特殊群体"]


def person_row(i: int, *, place: str = "330999") -> list[Any]:
    born = date(1940 + i % 70, 1 + i % 12, 1 + i % 28)
    return [
        i,
        "张" + "秀英建国海波丽华"[i % 4 * 2 : i % 4 * 2 + 2],
        fake_id_number(place, born, i % 1000),
        f"139{i:08d}",
        "兴普小区",
        f"{1 + i % 30}",
        f"{100 + i % 400}",
        "兴普一网格" if i % 2 else "兴普二网格",
        "独居" if i % 7 == 0 else "",
    ]


def ledger(
    path: Path,
    rows: Iterable[list[Any]],
    *,
    title: str | None = "兴普社区居民信息登记表",
    headers: list[str] | None = None,
    empty_first_sheet: bool = False,
) -> Path:
    """A ledger as communities keep them: an empty sheet first if asked, a title row over the table, headers."""
    book = Workbook(write_only=True)
    if empty_first_sheet:
        book.create_sheet("说明")
    sheet = book.create_sheet("居民")
    if title:
        sheet.append([title])
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path
