from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.core.demo import DEMO_PASSWORD, demo_accounts, load_demo


class Command(BaseCommand):
    help = "载入普陀区演示数据（可重复运行）/ Load the Putuo demo data (idempotent)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--orders", type=int, default=None, help="生成指定数量的历史订单 / generate this many historical orders"
        )
        parser.add_argument("--quiet-accounts", action="store_true", help="不打印演示账号 / do not list the accounts")

    def handle(self, *args: Any, orders: int | None, quiet_accounts: bool, **options: Any) -> None:
        steps = load_demo(extra={"orders": orders})
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready: " + ", ".join(steps)))
        if not quiet_accounts:
            self.stdout.write(f"演示账号（密码 {DEMO_PASSWORD}）/ demo accounts (password {DEMO_PASSWORD}):")
            for a in demo_accounts():
                self.stdout.write(f"  {a.username:<14} {a.description}")
