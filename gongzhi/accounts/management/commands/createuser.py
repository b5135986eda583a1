import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gongzhi.accounts.models import Role
from gongzhi.accounts.services import grant_add, user_create
from gongzhi.areas.models import Area
from gongzhi.core.errors import ValidationFailed
from gongzhi.orgs.models import Department, Organization


class Command(BaseCommand):
    help = "新建用户并授予角色 / Create a user and grant a role"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="姓名 / display name")
        parser.add_argument("--role", choices=Role.values, help="角色 / role: " + ", ".join(Role.values))
        parser.add_argument("--area", help="区域代码 / area code (e.g. 330903003005)")
        parser.add_argument("--org", type=int, help="社会组织编号 / organization id")
        parser.add_argument("--department", type=int, help="职能部门编号 / department id")
        parser.add_argument("--password", help="密码（省略则交互输入）/ password (prompted if omitted)")

    def handle(self, *args: Any, **o: Any) -> None:
        password = o["password"] or getpass.getpass("密码 / password: ")
        try:
            with transaction.atomic():
                user = user_create(
                    actor=None,
                    username=o["username"],
                    password=password,
                    display_name=o["name"],
                    is_superuser=o["role"] == Role.ADMIN,
                )
                if o["role"]:
                    grant_add(
                        actor=None,
                        user=user,
                        role=o["role"],
                        area=Area.objects.get(code=o["area"]) if o["area"] else None,
                        organization=Organization.objects.get(pk=o["org"]) if o["org"] else None,
                        department=Department.objects.get(pk=o["department"]) if o["department"] else None,
                    )
        except ValidationFailed as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())) from exc
        except (Area.DoesNotExist, Organization.DoesNotExist, Department.DoesNotExist) as exc:
            raise CommandError(f"找不到指定的范围 / scope not found: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已创建用户 / created user {user.username}"))
