from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "gongzhi.notify"
    label = "notify"
    verbose_name = _("通知")

    def ready(self) -> None:
        # Registers the permission policies and the workspace panel.
        from . import policies, workspace  # noqa: F401
