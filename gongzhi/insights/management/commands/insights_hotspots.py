from typing import Any

from django.core.management.base import BaseCommand

from gongzhi.insights.services import hotspots_scan


class Command(BaseCommand):
    help = "立即扫描热点预警（平时由定时任务每小时运行）/ scan for hot spots now (the scheduler runs it hourly)"

    def handle(self, *args: Any, **options: Any) -> None:
        raised = hotspots_scan()
        self.stdout.write(self.style.SUCCESS(f"新增预警 {raised} 条 / {raised} warnings raised"))
