from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "gongzhi.orgs"
    label = "orgs"
    verbose_name = _("社会组织")

    def ready(self) -> None:
        # Registers the permission policies and the workspace panels.
        from . import policies, workspace  # noqa: F401
