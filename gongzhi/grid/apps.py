from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "gongzhi.grid"
    label = "grid"
    verbose_name = _("网格化管理")

    def ready(self) -> None:
        from . import policies, workspace  # noqa: F401  (register the permission policies and workspace panel)
