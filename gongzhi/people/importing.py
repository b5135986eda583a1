"""Import of residents from the Excel ledgers communities keep (人口台账), streaming and in batches.

The sheet is read with openpyxl in read-only mode, row by row, so memory stays flat whatever the file's size;
rows are checked one by one and written a batch at a time (one transaction per batch: a row is imported
whole or not at all). Duplicates of an ID number inside the file are found without keeping the file's
numbers in memory: every person written by a job carries the job and row, so a later row meeting a person
this job already wrote is a duplicate. The report lists every refused row, column and reason in Chinese, as
an Excel workbook written in write-only (streaming) mode.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.excel import sheet_row
from gongzhi.core.rows import table
from gongzhi.people.models import House, ImportJob, JobStatus, Person, Tag
from gongzhi.people.validators import IdNumber, parse_id_number, parse_phone

BATCH = 1000
HEADER_SCAN = 10
MAX_BYTES = 20 * 1024 * 1024

# field → (label, the header names ledgers use for it)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("姓名", ("姓名", "居民姓名", "户主姓名", "名字")),
    "id_number": ("身份证号", ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证")),
    "phone": ("联系电话", ("联系电话", "手机", "手机号", "手机号码", "电话", "联系方式", "电话号码")),
    "address": ("住址", ("住址", "现住址", "居住地址", "地址", "家庭住址", "小区")),
    "building": ("楼栋", ("楼栋", "楼号", "幢", "栋", "楼幢号")),
    "room": ("门牌号", ("门牌号", "房号", "室号", "门牌", "房间号")),
    "grid": ("网格", ("网格", "所属网格", "网格名称")),
    "tags": ("特殊群体", ("特殊群体", "人员类别", "人群类别", "标签", "重点人群")),
}
REQUIRED = ("name", "id_number")


def _clean_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"[\s*＊:：()（）]|必填", "", text)


def recognise(header: Any) -> str | None:
    text = _clean_header(header)
    for key, (_label, names) in FIELDS.items():
        if text in names:
            return key
    return None


def sniff(path: Path) -> None:
    """Refuse, in Chinese, what is not an .xlsx workbook before openpyxl sees it."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValidationFailed(
            {
                "file": [
                    _("文件有 %(n)s MB，超过 20 MB 上限：请按网格拆分成几个文件再导入") % {"n": size // (1024 * 1024)}
                ]
            }
        )
    if size == 0:
        raise ValidationFailed({"file": [_("文件是空的")]})
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationFailed({"file": [_("这是旧版 Excel（.xls）文件：请在 Excel 中“另存为”.xlsx 格式后再导入")]})
    if not head.startswith(b"PK\x03\x04"):
        raise ValidationFailed(
            {"file": [_("这不是 Excel 工作簿（可能是 CSV 或文本文件）：请在 Excel 中打开并“另存为”.xlsx 后再导入")]}
        )


@dataclass
class Sheet:
    headers: list[str]
    header_row: int  # 1-based row number of the header
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    total: int
    close: Callable[[], None]


def open_sheet(path: Path) -> Sheet:
    """The first non-empty sheet, its header row (the row among the first ten with most known names; a blank
    cell takes the name above it, as a header merged over two rows leaves it) and an iterator of data rows."""
    sniff(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError, TypeError):
        raise ValidationFailed({"file": [_("无法读取该 Excel 文件：文件可能已损坏，请重新保存后再试")]}) from None
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(values_only=True)
        head: list[tuple[Any, ...]] = []
        for row in rows:
            head.append(tuple(row))
            if len(head) >= HEADER_SCAN:
                break
        if not any(any(v not in (None, "") for v in row) for row in head):
            continue
        combined = [_combine(head[i], head[i - 1] if i else ()) for i in range(len(head))]
        scores = [sum(1 for h in headers if recognise(h)) for headers in combined]
        best = max(range(len(head)), key=lambda i: (scores[i], -i))
        if scores[best] == 0:
            workbook.close()
            raise ValidationFailed(
                {"file": [_("前 %(n)s 行中找不到表头（如“姓名”“身份证号”），请检查工作表") % {"n": HEADER_SCAN}]}
            )
        headers = combined[best]
        header_row = best + 1

        def data(rows: Any = rows, head: list[tuple[Any, ...]] = head, start: int = best + 1) -> Iterator[Any]:
            number = start
            for row in head[start:]:
                number += 1
                yield number, row
            for row in rows:
                number += 1
                yield number, tuple(row)

        max_row = sheet.max_row or 0
        return Sheet(headers, header_row, data(), max(0, max_row - header_row), workbook.close)
    workbook.close()
    raise ValidationFailed({"file": [_("工作簿中没有数据：每个工作表都是空的")]})


def _combine(own: tuple[Any, ...], upper: tuple[Any, ...]) -> list[str]:
    """One header per column from a row and the row above it: a header merged over two rows leaves its name
    in the upper row only, and a group title ("联系方式") sits above the names that matter ("手机")."""
    out = []
    for j in range(max(len(own), len(upper))):
        mine = _clean_header(own[j] if j < len(own) else None)
        above = _clean_header(upper[j] if j < len(upper) else None)
        if recognise(mine) or not (recognise(above) or not mine):
            out.append(mine)
        else:
            out.append(above)
    return out


def auto_mapping(headers: list[str]) -> dict[str, str]:
    """header → field for every header recognised (the first column of a field wins)."""
    out: dict[str, str] = {}
    for header in headers:
        key = recognise(header)
        if key and key not in out.values():
            out[header] = key
    return out


def check_mapping(mapping: dict[str, str]) -> None:
    missing = [FIELDS[k][0] for k in REQUIRED if k not in mapping.values()]
    if missing:
        raise ValidationFailed(
            {"mapping": [_("请指定哪一列是：%(f)s") % {"f": "、".join(missing)}]},
        )
    unknown = sorted(set(mapping.values()) - set(FIELDS))
    if unknown:
        raise ValidationFailed({"mapping": [_("未知字段：%(f)s") % {"f": "、".join(unknown)}]})


@dataclass
class Row:
    number: int
    name: str = ""
    id: IdNumber | None = None
    phone: str | None = None
    address: str = ""
    grid: Area | None = None
    tags: list[int] | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _suffix(value: str, suffix: str) -> str:
    return f"{value}{suffix}" if value and value[-1].isdigit() else value


class Reader:
    """Turns one sheet row into a checked :class:`Row`."""

    def __init__(self, job: ImportJob, headers: list[str], mapping: dict[str, str], today: date) -> None:
        self.today = today
        self.columns = {key: [i for i, h in enumerate(headers) if mapping.get(h) == key] for key in FIELDS}
        self.labels = {key: headers[cols[0]] for key, cols in self.columns.items() if cols}
        grids = Area.objects.filter(parent=job.community, level=Level.GRID)
        self.grids: dict[str, Area] = {}
        for grid in grids:
            for name in (grid.name, grid.short_name, grid.code, grid.name.replace(job.community.display_name[:2], "")):
                if name:
                    self.grids[name] = grid
        self.tags = {t.name: t.pk for t in Tag.objects.all()} | {t.code: t.pk for t in Tag.objects.all()}

    def cell(self, raw: tuple[Any, ...], key: str, row: Row) -> str:
        cols = self.columns.get(key) or []
        if not cols:
            return ""
        value = raw[cols[0]] if cols[0] < len(raw) else None
        if isinstance(value, str) and value.startswith("="):
            row.problems.append(
                (self.labels[key], _("单元格是公式“%(f)s”：请复制后“选择性粘贴为数值”再导入") % {"f": value[:30]})
            )
            return ""
        return _text(value)

    def read(self, number: int, raw: tuple[Any, ...]) -> Row | None:
        if not any(v not in (None, "") for v in raw):
            return None
        row = Row(number)
        row.name = self.cell(raw, "name", row)
        if not row.name:
            row.problems.append((self.labels["name"], _("姓名为空")))
        elif len(row.name) > 50 or any(ch.isdigit() for ch in row.name):
            row.problems.append(
                (self.labels["name"], _("姓名“%(v)s”不像人名（不能有数字，最多 50 字）") % {"v": row.name[:20]})
            )
        parsed = parse_id_number(self.cell(raw, "id_number", row), today=self.today)
        if isinstance(parsed, str):
            row.problems.append((self.labels["id_number"], parsed))
        else:
            row.id = parsed
        phone_text = self.cell(raw, "phone", row)
        row.phone = parse_phone(phone_text)
        if row.phone is None:
            row.problems.append(
                (
                    self.labels["phone"],
                    _("电话“%(v)s”格式不正确：手机 11 位，座机带区号如 0580-3801234") % {"v": phone_text[:24]},
                )
            )
        address = self.cell(raw, "address", row)
        building = _suffix(self.cell(raw, "building", row), "号楼")
        room = _suffix(self.cell(raw, "room", row), "室")
        row.address = f"{address}{building}{room}"[:200]
        grid_name = self.cell(raw, "grid", row)
        if grid_name:
            row.grid = self.grids.get(grid_name)
            if row.grid is None:
                row.problems.append((self.labels["grid"], _("本社区没有网格“%(v)s”") % {"v": grid_name[:30]}))
        tags_text = self.cell(raw, "tags", row)
        if tags_text:
            names = [t for t in re.split(r"[,，、;；/\s]+", tags_text) if t]
            unknown = [t for t in names if t not in self.tags]
            if unknown:
                row.problems.append(
                    (
                        self.labels["tags"],
                        _("未知的特殊群体“%(v)s”，可填：%(all)s")
                        % {"v": "、".join(unknown), "all": "、".join(Tag.objects.values_list("name", flat=True))},
                    )
                )
            row.tags = sorted({self.tags[t] for t in names if t in self.tags})
        return row


class Report:
    """The row report, streamed to an Excel workbook as problems are found."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.book = Workbook(write_only=True)
        self.summary = self.book.create_sheet(_("汇总"))
        self.sheet = self.book.create_sheet(_("未导入的行"))
        self.sheet.append([_("行号"), _("列"), _("问题")])

    def add(self, row: Row) -> None:
        for column, message in row.problems:
            self.sheet.append(sheet_row([row.number, column, message]))

    def close(self, job: ImportJob) -> None:
        for label, value in (
            (_("文件"), job.file_name),
            (_("读取行数"), job.processed),
            (_("新增"), job.created),
            (_("更新"), job.updated),
            (_("未导入"), job.rejected),
        ):
            self.summary.append(sheet_row([label, value]))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.book.save(self.path)


def storage_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "private" / "people"


def _may_touch(job: ImportJob, person: Person) -> bool:
    if person.community_id == job.community_id:
        return True
    grants = grants_for(job.created_by) if job.created_by_id else None
    return grants is None or grants.covers_area(person.community, Role.COMMUNITY_WORKER, Role.STREET_STAFF)


def _write(job: ImportJob, rows: list[Row]) -> list[Row]:
    """Write one batch in one transaction; returns the rows refused on meeting the database."""
    refused: list[Row] = []
    with transaction.atomic():
        numbers = [r.id.value for r in rows if r.id]
        existing = {p.id_number: p for p in Person.objects.filter(id_number__in=numbers).select_related("community")}
        seen: dict[str, int] = {}
        good: list[Row] = []
        for row in rows:
            assert row.id is not None
            person = existing.get(row.id.value)
            first = seen.get(row.id.value)
            if first is None and person is not None and person.source_job_id == job.pk:
                first = person.source_row
            if first is not None:
                row.problems.append((_("身份证号"), _("与第 %(n)s 行的身份证号重复，本行未导入") % {"n": first}))
                refused.append(row)
                continue
            if person is not None and not _may_touch(job, person):
                row.problems.append((_("身份证号"), _("此人已登记在其他社区，请联系街道核实是否迁入")))
                refused.append(row)
                continue
            seen[row.id.value] = row.number
            good.append(row)
        addresses = {r.address for r in good if r.address}
        houses = {h.address: h for h in House.objects.filter(community=job.community, address__in=addresses)}
        missing = [
            House(
                community=job.community, grid=next((r.grid for r in good if r.address == a and r.grid), None), address=a
            )
            for a in sorted(addresses - set(houses))
        ]
        if missing:
            House.objects.bulk_create(missing, ignore_conflicts=True)
            houses = {h.address: h for h in House.objects.filter(community=job.community, address__in=addresses)}
        new: list[Person] = []
        changed: list[Person] = []
        tagged: dict[str, list[int]] = {}
        for row in good:
            assert row.id is not None
            house = houses.get(row.address)
            grid = row.grid or (house.grid if house else None)
            person = existing.get(row.id.value) or Person(id_number=row.id.value)
            person.name = row.name
            person.id_legacy, person.gender = row.id.legacy, row.id.gender
            person.birth_date = row.id.birth_date
            person.birth_md = row.id.birth_date.month * 100 + row.id.birth_date.day
            if row.phone:
                person.phone = row.phone
            if house is not None:
                person.house = house
            person.community = job.community
            if grid is not None or person.pk is None or person.community_id != job.community_id:
                person.grid = grid
            person.area = person.grid or job.community
            person.source_job, person.source_row = job, row.number
            (changed if person.pk else new).append(person)
            if row.tags is not None:
                tagged[row.id.value] = row.tags
        Person.objects.bulk_create(new)
        if changed:
            _update(changed)
        if tagged:
            ids = dict(Person.objects.filter(id_number__in=list(tagged)).values_list("id_number", "pk"))
            through = Person.tags.through
            through.objects.filter(person_id__in=list(ids.values())).delete()
            through.objects.bulk_create(
                [through(person_id=ids[number], tag_id=tag) for number, tags in tagged.items() for tag in tags]
            )
        job.created += len(new)
        job.updated += len(changed)
    return refused


UPDATED = (
    "name",
    "id_legacy",
    "gender",
    "birth_date",
    "birth_md",
    "phone",
    "house",
    "community",
    "grid",
    "area",
    "source_job",
    "source_row",
    "updated_at",
)


def _update(people: list[Person]) -> None:
    """One UPDATE statement run for many rows (executemany): Django's bulk_update builds a CASE per column
    over the whole batch, about 30 times slower here on SQLite for 1,000 people × 13 columns."""
    now = timezone.now()
    fields: list[Any] = [Person._meta.get_field(name) for name in UPDATED]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {table(Person)} SET "  # noqa: S608 - names from the model, values as parameters
        + ", ".join(f"{quote(f.column)} = %s" for f in fields)
        + f" WHERE {quote('id')} = %s"
    )
    rows = []
    for person in people:
        person.updated_at = now
        rows.append([f.get_db_prep_save(getattr(person, f.attname), connection) for f in fields] + [person.pk])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def import_run(
    *, job_id: int, batch: int | None = None, on_progress: Callable[[ImportJob], None] | None = None
) -> ImportJob:
    """Import the job's file; the job row shows progress as batches commit. Failures are recorded on the job."""
    job = ImportJob.objects.select_related("community", "created_by").get(pk=job_id)
    if job.status in (JobStatus.DONE, JobStatus.FAILED):
        return job
    job.status, job.processed, job.created, job.updated, job.rejected = JobStatus.RUNNING, 0, 0, 0, 0
    job.save(update_fields=["status", "processed", "created", "updated", "rejected"])
    report = Report(storage_dir() / f"report-{job.pk}.xlsx")
    try:
        sheet = open_sheet(Path(job.path))
    except ValidationFailed as refused:
        return _fail(job, str(refused.message), report)
    try:
        mapping = job.mapping or auto_mapping(sheet.headers)
        check_mapping(mapping)
        job.total = sheet.total
        reader = Reader(job, sheet.headers, mapping, timezone.localdate())
        pending: list[Row] = []
        size = batch or BATCH

        def flush() -> None:
            for row in _write(job, pending):
                job.rejected += 1
                report.add(row)
            job.processed = max(0, last - sheet.header_row)
            ImportJob.objects.filter(pk=job.pk).update(
                processed=job.processed,
                total=max(job.total, job.processed),
                created=job.created,
                updated=job.updated,
                rejected=job.rejected,
            )
            pending.clear()
            if on_progress:
                on_progress(job)

        last = sheet.header_row
        for number, raw in sheet.rows:
            last = number
            row = reader.read(number, raw)
            if row is None:
                continue
            if row.problems:
                job.rejected += 1
                report.add(row)
                continue
            pending.append(row)
            if len(pending) >= size:
                flush()
        flush()
    except ValidationFailed as refused:
        sheet.close()
        return _fail(job, str(refused.message), report)
    sheet.close()
    job.processed = max(0, last - sheet.header_row)
    job.total = job.processed
    job.status, job.finished_at = JobStatus.DONE, timezone.now()
    report.close(job)
    job.report_path = str(report.path)
    job.mapping = mapping
    job.save()
    audit_record(
        actor=job.created_by,
        action="people.import.done",
        target=job,
        data={"created": job.created, "updated": job.updated, "rejected": job.rejected, "rows": job.processed},
    )
    return job


def _fail(job: ImportJob, message: str, report: Report) -> ImportJob:
    job.status, job.error, job.finished_at = JobStatus.FAILED, message[:500], timezone.now()
    report.close(job)
    job.report_path = str(report.path)
    job.save()
    audit_record(actor=job.created_by, action="people.import.failed", target=job, data={"error": message[:200]})
    return job
