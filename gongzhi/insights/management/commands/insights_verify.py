from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gongzhi.insights.verify import verify


class Command(BaseCommand):
    help = "从原始订单与评价重算全部统计数字并列出差异 / recompute every maintained figure and list differences"

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify()
        for line in report.differences:
            self.stdout.write(line)
        summary = (
            f"核对 {report.orders} 张订单、{report.cells} 个统计格：差异 {report.count} 处 / "
            f"checked {report.orders} orders and {report.cells} cells: {report.count} differences"
        )
        if not report.ok:
            if report.count > len(report.differences):
                self.stdout.write(
                    f"……（仅列出前 {len(report.differences)} 处 / first {len(report.differences)} shown）"
                )
            raise CommandError(summary + "。可运行 gongzhi insights rebuild 重建 / run `gongzhi insights rebuild`")
        self.stdout.write(self.style.SUCCESS(summary))
