"""Every insight table as an Excel workbook or a CSV file, with the filters it was made with.

CSV is written with a UTF-8 byte-order mark so that Excel on Windows opens the Chinese text correctly.
Rates are written as percentages with one decimal, durations in hours, as on the page.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from gongzhi.core.excel import append_row, csv_text
from gongzhi.insights.selectors import Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "csv")


def cell_value(kind: str, value: Any, row: dict[str, Any] | None = None) -> Any:
    """A figure as it should read in a spreadsheet: rates in %, minutes as hours, None as empty."""
    if kind == "mixed" and row is not None:
        kind = row.get("kind", "text")
    if value is None:
        return ""
    if kind == "rate":
        return round(value * 100, 1)
    if kind == "minutes":
        return round(value / 60, 2)
    return value


def header(col: Any, row_kind: str | None = None) -> str:
    label = str(col.label)
    if col.kind == "rate":
        return f"{label}（%）"
    if col.kind == "minutes":
        return f"{label}（小时）"
    return label


def _filters_line(meta: dict[str, Any]) -> str:
    parts = [
        _("期间：%(p)s") % {"p": meta.get("period_label", "")},
        _("区域：%(a)s") % {"a": meta.get("area_label", "")},
    ]
    if meta.get("category"):
        parts.append(_("类别：%(c)s") % {"c": meta["category"]})
    if meta.get("org_type"):
        parts.append(_("组织类型：%(t)s") % {"t": meta["org_type"]})
    parts.append(_("导出时间：%(t)s") % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    return "；".join(parts)


def rows_of(table: Table) -> list[list[Any]]:
    return [[cell_value(c.kind, r.get(c.key), r) for c in table.columns] for r in table.rows]


def workbook(table: Table) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = str(table.title)[:31]
    ws.append([str(table.title)])
    ws["A1"].font = Font(size=14, bold=True)
    append_row(ws, [_filters_line(table.meta)])
    ws.append([header(c) for c in table.columns])
    for col in range(1, len(table.columns) + 1):
        ws.cell(row=3, column=col).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(col)].width = 14 if col > 2 else 28
    for row in rows_of(table):
        append_row(ws, row)
    if table.note:
        ws.append([])
        ws.append([_("说明：") + table.note])
    ws.freeze_panes = "A4"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(table: Table) -> bytes:
    return csv_text([[header(c) for c in table.columns], *rows_of(table)])


def download(table: Table, fmt: str) -> HttpResponse:
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"{table.title}-{table.meta.get('period', '')}-{stamp}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(csv_bytes(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(workbook(table), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{table.name}.{fmt}\"; filename*=UTF-8''{quote(name)}"
    return response
