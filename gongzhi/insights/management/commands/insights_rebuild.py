from typing import Any

from django.core.management.base import BaseCommand

from gongzhi.insights.services import insights_rebuild


class Command(BaseCommand):
    help = "从原始订单与评价重建全部统计数字 / rebuild every maintained figure from the raw orders and ratings"

    def handle(self, *args: Any, **options: Any) -> None:
        result = insights_rebuild(actor=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"已重建：{result.orders} 张订单，{result.cells} 个统计格 / rebuilt {result.orders} orders, {result.cells} cells"
            )
        )
