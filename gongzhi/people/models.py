"""The people base (人口基础库): residents collected once, their houses, special-group tags, the import jobs
that bring them in from Excel ledgers, and the log of every full value revealed (数据访问记录).

A person is one row per ID number (unique); an import that meets the number again updates it. ``area`` is the
most specific place known (the grid, else the community) and is what permissions look at. Personal fields are
shown through :mod:`gongzhi.people.privacy`, never straight from the model.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Tag(models.Model):
    """A special group (特殊群体): living alone, disabled, low income … (60+ and minors come from the birth date)."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("特殊群体")
        verbose_name_plural = _("特殊群体")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class House(models.Model):
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=200)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        constraints = [models.UniqueConstraint(fields=["community", "address"], name="house_unique_address")]

    def __str__(self) -> str:
        return f"房屋 #{self.pk}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    path = models.CharField(max_length=300)
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(_("总行数（估计）"), default=0)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    rejected = models.PositiveIntegerField(_("未导入"), default=0)
    report_path = models.CharField(max_length=300, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"导入 #{self.pk} {self.file_name}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(99, int(self.processed * 100 / self.total)) if self.total else 0


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True, null=True, blank=True)
    id_legacy = models.BooleanField(_("15 位旧证号"), default=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # month * 100 + day: "whose birthday falls in the next N days" is a range on one indexed column.
    birth_md = models.PositiveSmallIntegerField(null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    house = models.ForeignKey(House, null=True, blank=True, on_delete=models.SET_NULL, related_name="people")
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    tags = models.ManyToManyField(Tag, blank=True, related_name="people")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    source_job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_row = models.PositiveIntegerField(null=True, blank=True)
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["area", "id"], name="person_area"),
            models.Index(fields=["community", "birth_md"], name="person_birthday"),
        ]

    def __str__(self) -> str:
        # Never the name: this label goes into the audit chain, which cannot be edited after anonymisation.
        return f"居民 #{self.pk}"

    @property
    def address(self) -> str:
        return self.house.address if self.house_id and self.house else ""


class RevealLog(models.Model):
    """One full value shown on request: who, whose, which field, why (数据访问记录)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reveals")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    field = models.CharField(_("字段"), max_length=20)
    reason = models.CharField(_("事由"), max_length=200)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("数据访问记录")
        verbose_name_plural = _("数据访问记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_id} → {self.person_id}.{self.field}"
