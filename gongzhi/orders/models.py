"""Service orders (服务订单): categories, the order and its append-only event history, photos,
ratings, the service ledger, and the responsibility matrix for special cases.

States change only through ``gongzhi.orders.services`` (one function per transition, each with a
guard, a row lock and one event row in the same transaction); see docs/orders.md for the diagram.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A kind of service, in a configurable tree, with its time limits in working days."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级类别"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    accept_days = models.PositiveSmallIntegerField(_("受理时限（工作日）"), default=1)
    complete_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), default=5)
    urgent_accept_days = models.PositiveSmallIntegerField(_("紧急受理时限（工作日）"), default=0)
    urgent_complete_days = models.PositiveSmallIntegerField(_("紧急办结时限（工作日）"), default=2)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务类别")
        verbose_name_plural = _("服务类别")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class ResponsibilityRule(models.Model):
    """The responsibility matrix: special cases of ``category`` in ``area``'s subtree go to ``department``.

    The rule for the most specific (deepest) area wins; a rule without category covers every category.
    """

    category = models.ForeignKey(Category, verbose_name=_("服务类别"), null=True, blank=True, on_delete=models.CASCADE)
    area = models.ForeignKey("areas.Area", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "orgs.Department", verbose_name=_("责任部门"), on_delete=models.CASCADE, related_name="responsibilities"
    )

    class Meta:
        verbose_name = _("责任矩阵")
        verbose_name_plural = _("责任矩阵")
        constraints = [models.UniqueConstraint(fields=["category", "area"], name="responsibility_unique")]

    def __str__(self) -> str:
        return f"{self.category or _('全部类别')} × {self.area} → {self.department}"


class Channel(models.TextChoices):
    WEB = "web", _("居民点单")
    DISPATCH = "dispatch", _("部门/社区下单")
    PROXY = "proxy", _("代办")
    HOTLINE = "hotline", _("热线")
    PATROL = "patrol", _("网格巡查")
    OPEN311 = "open311", _("Open311 接口")


class Scenario(models.TextChoices):
    COMMON = "common", _("共性需求")
    INDIVIDUAL = "individual", _("个性需求")
    SPECIAL = "special", _("特殊疑难")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class State(models.TextChoices):
    PENDING = "pending", _("待确认")
    ACCEPTED = "accepted", _("已接单")
    REJECTED = "rejected", _("已拒绝")
    COMPLETED = "completed", _("已完成")
    CLOSED = "closed", _("已办结")
    CANCELLED = "cancelled", _("已撤销")
    FORWARDED = "forwarded", _("已转办")
    SIGNED = "signed", _("部门办理中")


OPEN_STATES = (State.PENDING, State.ACCEPTED, State.REJECTED, State.FORWARDED, State.SIGNED)
# States in which the order waits to be taken on (accept-by applies) or worked on (complete-by applies).
AWAITING_ACCEPT = (State.PENDING, State.REJECTED, State.FORWARDED)
IN_HAND = (State.ACCEPTED, State.SIGNED)
# The service was given: completed, or completed and closed.
DONE_STATES = (State.COMPLETED, State.CLOSED)

STATE_BADGE = {
    State.PENDING: "info",
    State.ACCEPTED: "primary",
    State.REJECTED: "warn",
    State.COMPLETED: "ok",
    State.CLOSED: "muted",
    State.CANCELLED: "muted",
    State.FORWARDED: "warn",
    State.SIGNED: "primary",
}


class Order(models.Model):
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    scenario = models.CharField(_("场景"), max_length=12, choices=Scenario.choices, default=Scenario.INDIVIDUAL)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.PENDING)
    category = models.ForeignKey(Category, verbose_name=_("服务类别"), on_delete=models.PROTECT, related_name="orders")
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("描述"), max_length=4000)
    area = models.ForeignKey("areas.Area", verbose_name=_("所在社区或网格"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("areas.Area", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    preferred_time = models.CharField(_("期望时间"), max_length=100, blank=True)

    # Who asked: a resident with an account, or a resident recorded by name by the proxy (代办).
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("需求人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requested_orders",
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="entered_orders"
    )
    dispatcher_department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("派单部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatched_orders",
    )

    org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("承接组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("转办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forwarded_orders",
    )

    accept_by = models.DateTimeField(_("受理期限"), null=True, blank=True)
    complete_by = models.DateTimeField(_("办结期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), db_index=True)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    reminder_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)

    completion_note = models.TextField(_("服务情况"), blank=True)
    people_served = models.PositiveIntegerField(_("服务人数"), default=0)
    volunteers = models.CharField(_("参与志愿者"), max_length=200, blank=True)
    reply = models.TextField(_("部门答复"), blank=True)
    # Service photos are taken in people's homes: private to the order's participants and staff, unless the
    # requester agreed to show them (asked when rating, withdrawable) and the photo itself was marked suitable.
    photos_consent_at = models.DateTimeField(_("需求人同意公开服务照片的时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "org", "created_at"], name="order_state_org"),
            models.Index(fields=["community", "state"], name="order_community_state"),
            models.Index(fields=["org", "state"], name="order_org_state"),
            models.Index(fields=["department", "state"], name="order_department_state"),
            models.Index(fields=["requester", "created_at"], name="order_requester"),
            models.Index(fields=["created_by", "created_at"], name="order_created_by"),
            models.Index(fields=["state", "accept_by"], name="order_state_accept_by"),
            models.Index(fields=["state", "complete_by"], name="order_state_complete_by"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def number(self) -> str:
        """The number people quote on the phone: date and id, e.g. 20261122-000123."""
        return f"{self.created_at:%Y%m%d}-{self.pk:06d}"


class OrderEvent(models.Model):
    """Append-only history: one row per accepted action."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=20)
    from_state = models.CharField(_("原状态"), max_length=12, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("orgs.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("订单事件")
        verbose_name_plural = _("订单事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="orderevent_order_at")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action} {self.from_state}→{self.to_state}"


class OrderPhoto(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(OrderEvent, on_delete=models.CASCADE, related_name="photos")
    path = models.CharField(max_length=200)
    thumb_path = models.CharField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    public_ok_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public_ok_at = models.DateTimeField(_("标记为适合公开的时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务照片")
        verbose_name_plural = _("服务照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.path


class RaterRole(models.TextChoices):
    REQUESTER = "requester", _("需求人")
    DISPATCHER = "dispatcher", _("派单方")
    DEPARTMENT = "department", _("职能部门")
    STAFF = "staff", _("社区/街道")


class Rating(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rater_role = models.CharField(_("评价身份"), max_length=12, choices=RaterRole.choices)
    org = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    stars = models.PositiveSmallIntegerField(_("星级"))
    comment = models.CharField(_("评语"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.UniqueConstraint(fields=["order", "rater"], name="rating_one_per_rater"),
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="rating_stars_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.stars}★"


class LedgerEntry(models.Model):
    """The service ledger (服务台账): one row per completed service, written by the platform."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="ledger_entry")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="ledger_entries")
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    service_date = models.DateField(_("服务日期"), db_index=True)
    place = models.CharField(_("服务地点"), max_length=200)
    service = models.CharField(_("服务内容"), max_length=300)
    category_name = models.CharField(_("服务类别"), max_length=50)
    people_served = models.PositiveIntegerField(_("服务人数"))
    volunteers = models.CharField(_("参与志愿者"), max_length=200, blank=True)
    photos_count = models.PositiveSmallIntegerField(_("照片数"))
    rating = models.PositiveSmallIntegerField(_("评价星级"), null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("服务台账")
        verbose_name_plural = _("服务台账")
        ordering = ["-service_date", "-id"]
        indexes = [
            models.Index(fields=["org", "service_date"], name="ledger_org_date"),
            models.Index(fields=["community", "service_date"], name="ledger_community_date"),
        ]

    def __str__(self) -> str:
        return f"{self.service_date} {self.service}"
