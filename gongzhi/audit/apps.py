from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "gongzhi.audit"
    label = "audit"
    verbose_name = _("审计")

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers the permission policies)
