"""``gongzhi people birthdays --community CODE --days 30``: elderly residents' upcoming birthdays, masked."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gongzhi.areas.models import Area, Level
from gongzhi.core.masking import mask_address, mask_name, mask_phone
from gongzhi.people.selectors import age, birthdays


class Command(BaseCommand):
    help = "列出 60 岁以上居民近期生日（脱敏） / upcoming birthdays of residents aged 60+ (masked)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--community", required=True)
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        community = Area.objects.filter(code=options["community"], level=Level.COMMUNITY).first()
        if community is None:
            raise CommandError(f"找不到社区“{options['community']}”，请填写 12 位社区区划代码")
        if not 0 <= options["days"] <= 366:
            raise CommandError("--days 应在 0 到 366 之间")
        rows = birthdays(None, community=community, days=options["days"], today=timezone.localdate())
        self.stdout.write(f"{community.display_name} 未来 {options['days']} 天 60 岁以上居民生日：{len(rows)} 人")
        self.stdout.write("生日\t年龄\t网格\t姓名\t电话\t住址")
        for day, person in rows:
            self.stdout.write(
                f"{day:%m-%d}\t{age(person.birth_date, day)}\t{person.grid.display_name if person.grid else '—'}\t"
                f"{mask_name(person.name)}\t{mask_phone(person.phone) or '—'}\t{mask_address(person.address) or '—'}"
            )
