"""Areas: the administrative tree (province → city → district → street → community) and grids.

Codes are the national statistical division codes; grids are local children of a community.
Each area stores its materialized ``path`` (ancestor codes joined by ``/``, ending in ``/``), so a
subtree is one indexed prefix query: ``path__startswith=area.path``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道乡镇")
    COMMUNITY = "community", _("社区/村")
    GRID = "grid", _("网格")


LEVEL_DEPTH = {
    Level.PROVINCE: 0,
    Level.CITY: 1,
    Level.DISTRICT: 2,
    Level.STREET: 3,
    Level.COMMUNITY: 4,
    Level.GRID: 5,
}


class Area(models.Model):
    code = models.CharField(_("区划代码"), max_length=24, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("深度"), editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "path"], name="area_level_path")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def is_within(self, other: Area) -> bool:
        """True when this area is ``other`` or lies inside it."""
        return self.path.startswith(other.path)
