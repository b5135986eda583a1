"""`gongzhi orders_machine`: print the order's state machine as docs/orders.md shows it (diagram and table)."""

from typing import Any

from django.core.management.base import BaseCommand

from gongzhi.orders.transitions import MACHINE


def docs_block() -> str:
    return f"```mermaid\n{MACHINE.mermaid()}\n```\n\n{MACHINE.markdown()}\n"


class Command(BaseCommand):
    help = "打印订单状态机（图与表），与 docs/orders.md 一致 / Print the order state machine as in docs/orders.md"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(docs_block(), ending="")
