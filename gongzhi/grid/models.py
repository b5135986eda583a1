"""Grid patrols (巡查): a grid worker walks the grid and records what was found; each finding can become an
order in the existing loop (channel 网格巡查)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Patrol(models.Model):
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("巡查时间"), db_index=True)
    route_notes = models.CharField(_("路线与情况"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"巡查 #{self.pk}"


class Finding(models.Model):
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="findings")
    text = models.CharField(_("发现的问题"), max_length=500)
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("转办工单")
    )

    class Meta:
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"发现 #{self.pk}"
