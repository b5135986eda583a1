from typing import Any

from django.core.management.base import BaseCommand

from gongzhi.core.scheduler import run_forever


class Command(BaseCommand):
    help = "定时任务时钟：按间隔把定期任务交给任务进程 / Clock that queues periodic jobs on the task worker"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("定时任务时钟已启动 / scheduler started")
        run_forever()
