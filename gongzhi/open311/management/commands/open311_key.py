"""Issue, revoke and list Open311 integration keys from the command line."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import ApplicationError, ValidationFailed
from gongzhi.open311.models import ApiKey
from gongzhi.open311.services import api_key_issue, api_key_revoke


def _message(exc: ApplicationError) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(m for msgs in exc.errors.values() for m in msgs)
    return str(exc.message)


class Command(BaseCommand):
    help = "签发、吊销、列出 Open311 接口密钥 / issue, revoke or list Open311 API keys"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="签发新密钥（只显示一次）/ issue a key (shown once)")
        issue.add_argument("--name", required=True, help="接入方名称 / who the key is for")
        issue.add_argument("--area", required=True, help="可提交区域代码 / area code it may post into, e.g. 330903003")
        revoke = sub.add_parser("revoke", help="吊销密钥 / revoke a key")
        revoke.add_argument("key", help="密钥编号或前缀 / key id or prefix")
        sub.add_parser("list", help="列出密钥 / list keys")

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            getattr(self, f"_{o['action']}")(o)
        except ApplicationError as exc:
            raise CommandError(_message(exc)) from exc

    def _issue(self, o: dict[str, Any]) -> None:
        key, raw = api_key_issue(actor=None, name=o["name"], area_code=o["area"])
        self.stdout.write(self.style.SUCCESS(f"已签发 / issued #{key.pk} {key.name} → {key.area.code}"))
        self.stdout.write(f"密钥只显示这一次，请妥善保存 / the key is shown only once:\n{raw}")

    def _revoke(self, o: dict[str, Any]) -> None:
        ref = o["key"].strip()
        matches = list(ApiKey.objects.filter(pk=int(ref)) if ref.isdigit() else ApiKey.objects.filter(prefix=ref))
        if len(matches) != 1:
            raise CommandError(f"找不到唯一的密钥 / no single key matches: {ref}")
        key = api_key_revoke(actor=None, key_id=matches[0].pk)
        self.stdout.write(self.style.SUCCESS(f"已吊销 / revoked #{key.pk} {key.name}"))

    def _list(self, o: dict[str, Any]) -> None:
        for key in ApiKey.objects.select_related("area").order_by("pk"):
            status = "revoked" if key.revoked_at else "active"
            self.stdout.write(f"#{key.pk}\t{key.prefix}…\t{key.area.code}\t{status}\t{key.name}")
