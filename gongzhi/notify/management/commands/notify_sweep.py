"""Recover abandoned outbox messages and queue delivery for what is due; run from cron or at start-up."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.notify.services import outbox_deliver_due, outbox_sweep


class Command(BaseCommand):
    help = "通知外发箱巡检：找回中断的发送并排队投递 / Recover stalled notifications and queue their delivery"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--deliver",
            action="store_true",
            help="在本进程中立即投递到期消息（不经任务进程）/ deliver due messages now, in this process",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = outbox_sweep()
        self.stdout.write(
            f"找回中断 recovered: {report.recovered}  到期待发 due: {report.due}  "
            f"已排队投递 queued: {'是 yes' if report.queued else '否 no'}"
        )
        if options["deliver"]:
            outcomes = outbox_deliver_due()
            self.stdout.write(
                "投递结果 delivered: " + (", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())) or "0")
            )
