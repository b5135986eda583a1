from typing import Any

from django.core.management.base import BaseCommand

from gongzhi.orders.services import orders_fill_deadlines


class Command(BaseCommand):
    help = "为节假日安排缺失期间创建的订单补算时限 / Give deadlines to orders created while a holiday year was missing"

    def handle(self, *args: Any, **options: Any) -> None:
        n = orders_fill_deadlines()
        self.stdout.write(f"已补算 {n} 个订单的时限 / deadlines filled for {n} orders")
