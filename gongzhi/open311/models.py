"""Open311 GeoReport v2: the districts served, extra questions per service, community locations,
integration keys and what each integration submitted with its request.

The service request itself is an ordinary ``orders.Order`` (channel ``open311``); :class:`Submission`
keeps, beside it, what only Open311 carries: the key that posted it, the location as sent, the media
URL and the answers to the service's extra questions.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Jurisdiction(models.Model):
    """A district this instance serves through Open311; ``jurisdiction_id`` is its division code."""

    area = models.OneToOneField("areas.Area", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    contact = models.CharField(
        _("联系方式"), max_length=200, blank=True, help_text=_("接口使用者如何联系运营方，显示在服务发现文件中")
    )
    key_service = models.CharField(
        _("密钥申请方式"), max_length=200, blank=True, help_text=_("如何申请接口密钥，显示在服务发现文件中")
    )
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("Open311 辖区")
        verbose_name_plural = _("Open311 辖区")
        ordering = ["area__code"]

    def __str__(self) -> str:
        return f"{self.area.code} {self.area.display_name}"

    def clean(self) -> None:
        if self.area_id and self.area.level != "district":
            raise ValidationError({"area": _("Open311 辖区必须是区县（6 位区划代码）")})


class Datatype(models.TextChoices):
    STRING = "string", _("单行文字")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文字")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


LIST_DATATYPES = (Datatype.SINGLE, Datatype.MULTI)


class ServiceAttribute(models.Model):
    """An extra question of a service (category), as the spec's service definition describes it.

    ``values`` is the list of options ``[{"key": "...", "name": "..."}]`` for the two list datatypes.
    A non-variable attribute only shows information to the user and takes no answer.
    """

    category = models.ForeignKey(
        "orders.Category", verbose_name=_("服务类别"), on_delete=models.CASCADE, related_name="open311_attributes"
    )
    code = models.SlugField(_("代码"), max_length=40)
    variable = models.BooleanField(_("需要填写"), default=True, help_text=_("不勾选时仅向用户展示说明，不收集答案"))
    datatype = models.CharField(_("数据类型"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("必填"), default=False)
    datatype_description = models.CharField(_("填写提示"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), help_text=_("从 1 开始，同一服务内不能重复"))
    description = models.CharField(_("问题"), max_length=300)
    values = models.JSONField(
        _("选项"), default=list, blank=True, help_text=_('单选、多选题的选项，例如 [{"key": "yes", "name": "是"}]')
    )
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务附加问题")
        verbose_name_plural = _("服务附加问题")
        ordering = ["category", "order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code_unique"),
            models.UniqueConstraint(fields=["category", "order"], name="open311_attribute_order_unique"),
            models.CheckConstraint(condition=models.Q(order__gte=1), name="open311_attribute_order_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}/{self.code}"

    def option_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or [] if isinstance(v, dict)]

    def clean(self) -> None:
        values = self.values or []
        if self.datatype in LIST_DATATYPES:
            well_formed = isinstance(values, list) and all(
                isinstance(v, dict) and str(v.get("key") or "").strip() and str(v.get("name") or "").strip()
                for v in values
            )
            if not values or not well_formed:
                raise ValidationError(
                    {
                        "values": _(
                            "单选、多选题至少需要一个选项，每个选项都要有 key 和 name，"
                            '例如 [{"key": "yes", "name": "是"}]'
                        )
                    }
                )
            if len(set(self.option_keys())) != len(values):
                raise ValidationError({"values": _("选项的 key 不能重复")})
        elif values:
            raise ValidationError({"values": _("只有单选、多选题才有选项，请清空")})
        if self.required and not self.variable:
            raise ValidationError({"required": _("仅展示说明的问题不能设为必填")})


class CommunityLocation(models.Model):
    """Where a community lies, to map a request's ``lat``/``long`` to the nearest community."""

    area = models.OneToOneField("areas.Area", verbose_name=_("社区"), on_delete=models.CASCADE, related_name="+")
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    approximate = models.BooleanField(_("近似位置"), default=True, help_text=_("大致中心点；实测后请更新并取消勾选"))

    class Meta:
        verbose_name = _("社区位置")
        verbose_name_plural = _("社区位置")
        ordering = ["area__code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="open311_location_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area.display_name} ({self.lat}, {self.lng})"


class ApiKey(models.Model):
    """An integration's key; only its SHA-256 is stored. It posts as its own system user, into ``area``."""

    name = models.CharField(_("接入方"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    area = models.ForeignKey("areas.Area", verbose_name=_("可提交区域"), on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统账号"),
        on_delete=models.PROTECT,
        related_name="open311_key",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("签发时间"), editable=False)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 接口密钥")
        verbose_name_plural = _("Open311 接口密钥")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Submission(models.Model):
    """What an Open311 client sent with a request, kept beside the order it became.

    ``description`` is the text as submitted (the order's description also lists the answers, for the
    people who handle it). ``email`` and ``account_id`` are the requester's and never leave the admin.
    """

    order = models.OneToOneField("orders.Order", primary_key=True, on_delete=models.CASCADE, related_name="open311")
    api_key = models.ForeignKey(
        ApiKey, verbose_name=_("接口密钥"), on_delete=models.PROTECT, related_name="submissions"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="submissions"
    )
    description = models.TextField(_("提交的描述"), max_length=4000, blank=True)
    address_string = models.CharField(_("提交的地址"), max_length=300, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True)
    email = models.EmailField(_("提交人邮箱"), blank=True)
    account_id = models.CharField(_("提交人账号"), max_length=100, blank=True)
    attributes = models.JSONField(_("附加问题答案"), default=dict, blank=True)
    created_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("Open311 提交记录")
        verbose_name_plural = _("Open311 提交记录")
        ordering = ["-created_at", "-order_id"]
        indexes = [models.Index(fields=["jurisdiction", "created_at"], name="open311_sub_jur_created")]

    def __str__(self) -> str:
        return f"#{self.order_id} ← {self.api_key}"
