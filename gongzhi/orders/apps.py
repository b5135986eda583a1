from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "gongzhi.orders"
    label = "orders"
    verbose_name = _("服务订单")

    def ready(self) -> None:
        from . import panels, policies  # noqa: F401  (register the permission policies and workspace panels)
