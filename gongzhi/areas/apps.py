from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "gongzhi.areas"
    label = "areas"
    verbose_name = _("区域")

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers the permission policies)
