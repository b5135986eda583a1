from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "gongzhi.insights"
    label = "insights"
    verbose_name = _("统计与评价")

    def ready(self) -> None:
        from . import listeners, policies, workspace  # noqa: F401  (register listeners, policies and workspace panels)
