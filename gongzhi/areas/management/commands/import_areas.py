from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.areas.services import import_divisions
from gongzhi.core.errors import ValidationFailed


class Command(BaseCommand):
    help = "导入国家统计区划代码表（CSV）/ Import national division code lists (CSV)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files",
            nargs="+",
            type=Path,
            help="provinces.csv cities.csv areas.csv streets.csv villages_*.csv（任意组合 / any subset）",
        )
        parser.add_argument(
            "--only", default="", help="只导入此代码前缀下的区划，如 330903 / only codes under this prefix"
        )

    def handle(self, *args: Any, files: list[Path], only: str, **options: Any) -> None:
        for f in files:
            if not f.is_file():
                raise CommandError(f"找不到文件 / file not found: {f}")
        try:
            report = import_divisions(actor=None, files=files, only=only)
        except ValidationFailed as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"新增 created {report.created}，更新 updated {report.updated}，"
            f"未变 unchanged {report.unchanged}，跳过 skipped {report.skipped}"
        )
        for err in report.errors[:50]:
            self.stderr.write(err)
        if report.errors:
            raise CommandError(f"{len(report.errors)} 行有错误 / rows with errors")
