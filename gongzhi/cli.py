"""The `gongzhi` command for operators: friendly names over Django's management commands."""

from __future__ import annotations

import os
import sys

# name → (management command, 中文说明, English)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("run", "启动网站和任务进程", "start the web server and the task worker"),
    "migrate": ("migrate", "创建或升级数据库结构", "create or upgrade the database schema"),
    "demo": ("demo", "载入普陀区演示数据（可重复运行）", "load the Putuo demo data (idempotent)"),
    "import-areas": ("import_areas", "导入区划代码表 CSV", "import division code CSV files"),
    "calendar-import": (
        "calendar_import",
        "录入一年的法定节假日安排 CSV",
        "enter a year's public holiday schedule (CSV)",
    ),
    "audit verify": ("audit_verify", "校验审计哈希链", "verify the audit hash chain"),
    "createuser": ("createuser", "新建用户并授予角色", "create a user and grant a role"),
    "ensure-db": ("ensure_db", "确保数据库存在", "make sure the database exists"),
    "worker": ("db_worker", "只启动后台任务进程", "start only the task worker"),
    "insights verify": (
        "insights_verify",
        "从原始订单重算并核对全部统计数字",
        "recompute and check every maintained figure",
    ),
    "insights rebuild": (
        "insights_rebuild",
        "从原始订单重建全部统计数字",
        "rebuild every maintained figure from the orders",
    ),
    "insights freeze": ("insights_freeze", "固化年度评价积分排名（--year）", "freeze a year's points ranking (--year)"),
    "insights hotspots": ("insights_hotspots", "立即扫描热点预警", "scan for hot-spot warnings now"),
    "people import": ("people_import", "从 Excel 台账导入居民（--community）", "import residents from an Excel ledger"),
    "people birthdays": (
        "people_birthdays",
        "60 岁以上居民近期生日（脱敏）",
        "upcoming birthdays of residents 60+ (masked)",
    ),
}

HELP = """用法 / usage: gongzhi <命令 command> [参数 options]

{rows}

其他 Django 管理命令也可直接使用，如 gongzhi shell。
Any other Django management command works too, e.g. gongzhi shell.
每个命令的详细说明 / details of a command: gongzhi <命令 command> --help
"""


def _help() -> str:
    rows = "\n".join(f"  {name:<16} {zh} / {en}" for name, (_c, zh, en) in COMMANDS.items())
    return HELP.format(rows=rows)


def translate_argv(argv: list[str]) -> list[str] | None:
    """`gongzhi audit verify --x` → ['audit_verify', '--x']; None means: print help."""
    if not argv or argv[0] in ("-h", "--help", "help"):
        return None
    if len(argv) >= 2 and f"{argv[0]} {argv[1]}" in COMMANDS:
        return [COMMANDS[f"{argv[0]} {argv[1]}"][0], *argv[2:]]
    if argv[0] in COMMANDS:
        return [COMMANDS[argv[0]][0], *argv[1:]]
    if argv[0] in ("audit", "insights", "people"):
        return None
    return argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    args = translate_argv(sys.argv[1:])
    if args is None:
        sys.stdout.write(_help())
        sys.exit(0)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gongzhi", *args])


if __name__ == "__main__":
    main()
