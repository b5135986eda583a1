from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "确保数据库存在（PostgreSQL 时按需创建；SQLite 时创建目录）/ Make sure the database exists"

    def handle(self, *args: Any, **options: Any) -> None:
        db = settings.DATABASES["default"]
        if db["ENGINE"].endswith("sqlite3"):
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            return
        if db["ENGINE"].endswith("postgresql"):
            try:
                with connection._nodb_cursor() as cursor:
                    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
                    if cursor.fetchone() is None:
                        name = connection.ops.quote_name(db["NAME"])
                        cursor.execute(f"CREATE DATABASE {name} ENCODING 'UTF8'")
                        self.stdout.write(f"已创建数据库 / created database {db['NAME']}")
            except Exception as exc:
                raise CommandError(f"无法连接或创建数据库 / cannot reach or create the database: {exc}") from exc
