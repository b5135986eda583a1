"""Insight and evaluation: maintained counters, hot-spot warnings, and the annual evaluation points.

- ``OrderFact``: each order's current contribution to the statistics (see ``facts.py``), kept so the
  transition hook can subtract the old contribution and add the new one.
- ``Tally``: the counters, summed per cell (month or year × district × … per grain). Maintained in the same
  transaction as every order transition; ``gongzhi insights verify`` recomputes them from the orders.
- ``HotspotWarning``: a category whose need volume in a grid or community jumped above its own history.
- ``PointsFormula`` / ``PointsSnapshot`` / ``PointsEntry``: the published formula of the annual points
  (年度评价积分) and the ranking frozen per year.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.insights.facts import METRIC_NAMES


class Counters(models.Model):
    """One integer column per metric of ``facts.METRICS`` (added below, so the list lives in one place)."""

    class Meta:
        abstract = True


for _name in METRIC_NAMES:
    models.IntegerField(default=0, db_default=0).contribute_to_class(Counters, _name)


class Tally(Counters):
    """Counters of one cell. Dimension columns a grain does not keep are 0; ``org_id`` 0 in a grain that
    keeps organizations means "held by no organization". Plain integers, not foreign keys: the rows are
    written with one ``INSERT … ON CONFLICT DO UPDATE`` per transition and never joined for integrity."""

    grain = models.PositiveSmallIntegerField()
    month = models.DateField()  # the first day of the cell's period: its month, its year, or the last month
    # of a year to date (facts.Grain)
    district_id = models.BigIntegerField(default=0)
    street_id = models.BigIntegerField(default=0)
    area_id = models.BigIntegerField(default=0)
    category_id = models.BigIntegerField(default=0)
    org_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("统计计数")
        verbose_name_plural = _("统计计数")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "month", "district_id", "street_id", "area_id", "category_id", "org_id"],
                name="tally_cell",
            ),
        ]
        indexes = [
            models.Index(fields=["grain", "street_id", "month"], name="tally_street"),
            models.Index(fields=["grain", "area_id", "month"], name="tally_area"),
            models.Index(fields=["grain", "category_id", "month"], name="tally_category"),
            models.Index(fields=["grain", "org_id", "month"], name="tally_org"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.grain}:{self.month:%Y-%m}:{self.district_id}/{self.street_id}/{self.area_id}"
            f":{self.category_id}:{self.org_id}"
        )


class OrderFact(models.Model):
    """An order's contribution as last counted (mirrors ``facts.Fact``)."""

    order = models.OneToOneField(
        "orders.Order", primary_key=True, on_delete=models.CASCADE, related_name="insight_fact"
    )
    month = models.DateField()
    district_id = models.BigIntegerField(default=0)
    street_id = models.BigIntegerField(default=0)
    area_id = models.BigIntegerField()
    category_id = models.BigIntegerField()
    org_id = models.BigIntegerField(default=0)
    state = models.CharField(max_length=12)
    taken_due = models.BooleanField(default=False)
    taken_ontime = models.BooleanField(default=False)
    done_due = models.BooleanField(default=False)
    done_ontime = models.BooleanField(default=False)
    ever_done = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    reopens = models.PositiveSmallIntegerField(default=0)
    fast = models.BooleanField(default=False)
    stars = models.PositiveSmallIntegerField(null=True)
    ta = models.PositiveSmallIntegerField(null=True)
    tc = models.PositiveSmallIntegerField(null=True)
    due_at = models.DateTimeField(null=True)
    year = models.DateField()

    class Meta:
        verbose_name = _("订单统计事实")
        verbose_name_plural = _("订单统计事实")
        indexes = [
            models.Index(fields=["month"], name="orderfact_month"),
            models.Index(fields=["year"], name="orderfact_year"),
            models.Index(fields=["month"], name="orderfact_fast", condition=Q(fast=True)),
            # Open orders only, with the columns the permission rule and the filters test: today's overdue
            # orders of an area are counted from the index alone (no row read per order on SQLite; on
            # PostgreSQL an index-only scan where the table's pages are all-visible).
            models.Index(
                fields=["due_at", "district_id", "street_id", "area_id", "org_id", "category_id"],
                name="orderfact_open",
                condition=Q(due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"fact {self.order_id}"


# ---- hot-spot warnings ------------------------------------------------------------------------------


class WarningStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    HANDLED = "handled", _("已处置")


class HotspotWarning(models.Model):
    """The need volume of a category in a grid or community jumped above its own baseline.

    At most one open warning per cell (area × category): a database constraint, so two scans running
    at once cannot raise the same warning twice."""

    area = models.ForeignKey("areas.Area", verbose_name=_("网格或社区"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "orders.Category", verbose_name=_("服务类别"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=8, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    window_start = models.DateTimeField(_("统计起点"))
    window_end = models.DateTimeField(_("统计终点"))
    recent = models.PositiveIntegerField(_("近期需求数"))
    weekly = models.JSONField(_("此前各周需求数"), default=list)
    baseline_mean = models.FloatField(_("历史周均"))
    baseline_sd = models.FloatField(_("历史标准差"))
    threshold = models.FloatField(_("预警阈值"))
    orders = models.ManyToManyField("orders.Order", verbose_name=_("相关需求"), related_name="+")
    raised_at = models.DateTimeField(_("预警时间"))
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handle_note = models.CharField(_("处置情况"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("热点预警")
        verbose_name_plural = _("热点预警")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "category"], condition=Q(status="open"), name="hotspot_one_open_per_cell"
            ),
        ]
        indexes = [models.Index(fields=["area", "category", "raised_at"], name="hotspot_cell")]

    def __str__(self) -> str:
        return f"{self.area} · {self.category} ({self.recent})"


# ---- annual evaluation points -------------------------------------------------------------------------

DEFAULT_WEIGHTS: dict[str, Decimal] = {
    "per_done": Decimal("0.20"),
    "done_cap": Decimal("150"),
    "ontime": Decimal("20"),
    "rating": Decimal("25"),
    "report_pass": Decimal("10"),
    "report_basic": Decimal("5"),
    "report_fail": Decimal("-10"),
    "grade_per_a": Decimal("3"),
    "overdue_each": Decimal("0.5"),
    "overdue_cap": Decimal("20"),
    "reopen_each": Decimal("1"),
    "reopen_cap": Decimal("20"),
}


def _weight(label: Any, name: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=7, decimal_places=2, default=DEFAULT_WEIGHTS[name])


class PointsFormula(models.Model):
    """The published weights of one year's points; a year without a row uses ``DEFAULT_WEIGHTS``."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    per_done = _weight(_("每完成一单得分"), "per_done")
    done_cap = _weight(_("计分完成单数上限"), "done_cap")
    ontime = _weight(_("按时办结率满分"), "ontime")
    rating = _weight(_("平滑评分满分"), "rating")
    report_pass = _weight(_("年报合格得分"), "report_pass")
    report_basic = _weight(_("年报基本合格得分"), "report_basic")
    report_fail = _weight(_("年报不合格得分"), "report_fail")
    grade_per_a = _weight(_("评估等级每 A 得分"), "grade_per_a")
    overdue_each = _weight(_("每单逾期扣分"), "overdue_each")
    overdue_cap = _weight(_("逾期扣分上限"), "overdue_cap")
    reopen_each = _weight(_("每次重办扣分"), "reopen_each")
    reopen_cap = _weight(_("重办扣分上限"), "reopen_cap")
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("年度评价积分公式")
        verbose_name_plural = _("年度评价积分公式")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"

    def weights(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in DEFAULT_WEIGHTS}


class PointsSnapshot(models.Model):
    """A year's ranking, frozen: what project calls and reviewers read."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    weights = models.JSONField(_("计分公式"))
    frozen_at = models.DateTimeField(_("固化时间"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("年度积分排名")
        verbose_name_plural = _("年度积分排名")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"


class PointsEntry(models.Model):
    snapshot = models.ForeignKey(PointsSnapshot, on_delete=models.CASCADE, related_name="entries")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="points_entries")
    rank = models.PositiveIntegerField(_("名次"))
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2)
    items = models.JSONField(_("计分明细"))

    class Meta:
        verbose_name = _("年度积分")
        verbose_name_plural = _("年度积分")
        ordering = ["rank", "org_id"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "org"], name="points_entry_once")]

    def __str__(self) -> str:
        return f"{self.snapshot.year} #{self.rank} {self.org_id}"
