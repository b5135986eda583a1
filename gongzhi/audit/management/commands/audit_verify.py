from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gongzhi.audit.selectors import audit_verify


class Command(BaseCommand):
    help = (
        "重新计算审计哈希链并指出第一条被篡改的记录 / Recompute the audit hash chains and name the first tampered entry"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"审计链完整 / audit chain intact: {report.entries} 条记录 entries, {report.chains} 条链 chains"
                )
            )
            return
        for problem in report.problems:
            self.stderr.write(f"[{problem.kind}] {problem.message}")
        raise CommandError(f"审计链被篡改 / audit chain broken: {len(report.problems)} 条链有问题 chains affected")
