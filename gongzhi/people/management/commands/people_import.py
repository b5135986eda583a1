"""``gongzhi people import FILE.xlsx --community CODE``: import a ledger now, print the counts and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import ValidationFailed
from gongzhi.people.importing import FIELDS, import_run
from gongzhi.people.models import JobStatus
from gongzhi.people.services import import_job_create


class Command(BaseCommand):
    help = "从 Excel 台账导入居民 / import residents from an Excel ledger"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--community", required=True, help="社区区划代码（12 位）")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="表头=字段",
            help=f"指定列的含义，字段可为 {', '.join(FIELDS)}；如 --map 证件号=id_number",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"无法读取文件：{path}")
        mapping = None
        if options["map"]:
            from gongzhi.people.importing import _clean_header, auto_mapping, open_sheet

            sheet = open_sheet(path) if path.suffix else None
            mapping = auto_mapping(sheet.headers) if sheet else {}
            if sheet:
                sheet.close()
            for item in options["map"]:
                header, _sep, field = item.partition("=")
                mapping[_clean_header(header)] = field.strip()
        try:
            with path.open("rb") as content:
                job = import_job_create(
                    actor=None, community=options["community"], file_name=path.name, content=content, mapping=mapping
                )
        except ValidationFailed as refused:
            raise CommandError("；".join(m for msgs in refused.errors.values() for m in msgs)) from None
        job = import_run(job_id=job.pk)
        out = self.stdout
        out.write(f"读取 read: {job.processed}")
        out.write(f"新增 created: {job.created}")
        out.write(f"更新 updated: {job.updated}")
        out.write(f"未导入 rejected: {job.rejected}")
        out.write(f"逐行报告 row report: {job.report_path}")
        if job.status != JobStatus.DONE:
            raise CommandError(f"导入失败：{job.error}")
