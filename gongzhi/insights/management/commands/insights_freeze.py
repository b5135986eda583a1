from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import ApplicationError
from gongzhi.insights.services import points_freeze


class Command(BaseCommand):
    help = "固化某一年度的评价积分排名 / freeze a year's evaluation points ranking"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度 / year, e.g. 2025")

    def handle(self, *args: Any, year: int, **options: Any) -> None:
        try:
            snapshot = points_freeze(actor=None, year=year)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{year} 年度排名已固化：{snapshot.entries.count()} 个组织 / {year} ranking frozen")
        )
