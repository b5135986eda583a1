"""Excel exports of the people base, masked per viewer, streamed (write-only workbooks)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from gongzhi.core.excel import sheet_row
from gongzhi.people import selectors
from gongzhi.people.models import Person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _response(book: Workbook, filename: str) -> FileResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    book.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def people_response(user: Any, people: Iterable[Person], today: date) -> FileResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("居民"))
    sheet.append(
        [_("姓名"), _("性别"), _("年龄"), _("公民身份号码"), _("联系电话"), _("住址"), _("网格"), _("特殊群体")]
    )
    for person in people:
        s = selectors.shown(user, person, today)
        sheet.append(sheet_row([s.name, s.gender, s.age, s.id_number, s.phone, s.address, s.grid, s.tags]))
    return _response(book, f"居民-{today:%Y%m%d}.xlsx")


def birthdays_response(rows: list[tuple[date, Any, Person]], days: int) -> FileResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("老人生日"))
    sheet.append([_("未来 %(n)s 天 60 岁以上居民生日") % {"n": days}])
    sheet.append([_("生日"), _("年龄"), _("网格"), _("姓名"), _("联系电话"), _("住址")])
    for day, s, person in rows:
        sheet.append(
            sheet_row([f"{day:%m-%d}", selectors.age(person.birth_date, day), s.grid, s.name, s.phone, s.address])
        )
    return _response(book, f"老人生日-{days}天.xlsx")


def my_data_response(data: dict[str, Any]) -> FileResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("我的信息"))
    for key, value in data.items():
        if key == "数据访问记录":
            continue
        sheet.append(sheet_row([key, "、".join(value) if isinstance(value, list) else value]))
    log = book.create_sheet(_("数据访问记录"))
    log.append([_("时间"), _("查看人"), _("字段"), _("事由")])
    for entry in data.get("数据访问记录", []):
        log.append(sheet_row(list(entry.values())))
    return _response(book, "我的信息.xlsx")
