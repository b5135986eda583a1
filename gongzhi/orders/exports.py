"""The service ledger (服务台账) as an Excel file a community can print and file."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from gongzhi.core.excel import append_row
from gongzhi.orders.models import LedgerEntry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = [  # header, width
    (gettext_lazy("序号"), 6),
    (gettext_lazy("服务日期"), 14),
    (gettext_lazy("服务地点"), 26),
    (gettext_lazy("服务内容"), 36),
    (gettext_lazy("服务情况"), 40),
    (gettext_lazy("服务人数"), 9),
    (gettext_lazy("服务组织"), 28),
    (gettext_lazy("参与志愿者"), 18),
    (gettext_lazy("照片数"), 8),
    (gettext_lazy("评价星级"), 9),
    (gettext_lazy("订单编号"), 18),
]


def _cn_date(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _period(start: date | None, end: date | None) -> str:
    """The period the way a community writes it on a form; "不限 至 不限" said nothing."""
    if start and end:
        return _("统计期间：%(a)s 至 %(b)s") % {"a": _cn_date(start), "b": _cn_date(end)}
    if start:
        return _("统计期间：%(a)s 起") % {"a": _cn_date(start)}
    if end:
        return _("统计期间：截至 %(b)s") % {"b": _cn_date(end)}
    return _("统计期间：全部日期")


def ledger_workbook(entries: Iterable[LedgerEntry], filters: dict[str, Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("服务台账")
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append([_("社会组织服务台账")])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    period = _period(filters.get("date_from"), filters.get("date_to"))
    ws.append([period + "    " + _("导出时间：%(t)s") % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M")}])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))
    ws.append([str(h) for h, _w in COLUMNS])
    for col, (_h, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        cell = ws.cell(row=3, column=col)
        cell.font, cell.border = Font(bold=True), border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    total_people = 0
    for n, e in enumerate(entries, start=1):
        append_row(
            ws,
            [
                n,
                _cn_date(e.service_date),
                e.place,
                e.service,
                e.order.completion_note,
                e.people_served,
                e.org.name,
                e.volunteers,
                e.photos_count,
                e.rating if e.rating is not None else _("未评价"),
                e.order.number,
            ],
        )
        total_people += e.people_served
        for col in range(1, len(COLUMNS) + 1):
            cell = ws.cell(row=ws.max_row, column=col)
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.append([_("合计"), "", "", _("共 %(n)s 次服务") % {"n": ws.max_row - 3}, "", total_people])
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def ledger_workbook_response(entries: Iterable[LedgerEntry], filters: dict[str, Any]) -> HttpResponse:
    content = ledger_workbook(entries, filters)
    name = _("服务台账") + f"-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
