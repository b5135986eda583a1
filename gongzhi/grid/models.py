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


class EventState(models.TextChoices):
    REPORTED = "reported", _("待处置")
    HANDLING = "handling", _("处置中")
    RESOLVED = "resolved", _("已处置待核查")
    CLOSED = "closed", _("已办结")
    DISMISSED = "dismissed", _("已撤销")


class GridEvent(models.Model):
    """An event (事): a damaged facility, a dispute, a safety hazard … found in a grid, with its own handling.

    Its category is a service category, so events count in the hot-spot warnings beside orders."""

    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("orders.Category", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("事件"), max_length=100)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=EventState.choices, default=EventState.REPORTED)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finding = models.OneToOneField(Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="event")
    created_at = models.DateTimeField(_("上报时间"), db_index=True)

    class Meta:
        verbose_name = _("网格事件")
        verbose_name_plural = _("网格事件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["grid", "state"], name="gridevent_grid_state")]

    def __str__(self) -> str:
        return f"事件 #{self.pk}"


class GridEventStep(models.Model):
    """Append-only history of an event: one row per action."""

    event = models.ForeignKey(GridEvent, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("动作"), max_length=20)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.action}"
