from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "gongzhi.people"
    label = "people"
    verbose_name = _("人口基础库")

    def ready(self) -> None:
        from . import policies  # noqa: F401  (register the permission policies)
