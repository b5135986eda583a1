"""Social organizations and government departments: the two kinds of body a grant can be scoped to.

Besides who they are and where they serve: the registry (life cycle with its history, annual
reports, evaluation grades), members, service catalogues, and the two shared pools — talents
(人才库) and resources with their booking calendar (资源库).

States change only through ``gongzhi.orgs.services``; each change writes an ``OrgStatusChange``.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrgType(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("社会团体")
    SERVICE_INSTITUTION = "service_institution", _("社会服务机构")
    FOUNDATION = "foundation", _("基金会")
    COMMUNITY_GROUP = "community_group", _("社区社会组织")


class OrgStatus(models.TextChoices):
    INCUBATING = "incubating", _("培育孵化")
    FILED = "filed", _("已备案")
    REGISTERED = "registered", _("已登记")
    ACTIVE = "active", _("活跃")
    SUSPENDED = "suspended", _("暂停活动")
    ABNORMAL = "abnormal", _("异常名录")
    DEREGISTERED = "deregistered", _("已注销")


# Types that are registered (登记) with a credit code; community groups are only filed (备案).
REGISTERED_TYPES = (OrgType.SOCIAL_GROUP, OrgType.SERVICE_INSTITUTION, OrgType.FOUNDATION)
# Shown in the public directory; incubating groups are not yet public, deregistered ones no longer.
PUBLIC_STATUSES = (OrgStatus.FILED, OrgStatus.REGISTERED, OrgStatus.ACTIVE, OrgStatus.SUSPENDED, OrgStatus.ABNORMAL)
GRADE_VALID_YEARS = 5


class Organization(models.Model):
    name = models.CharField(_("名称"), max_length=200, unique=True)
    org_type = models.CharField(_("类型"), max_length=24, choices=OrgType.choices)
    status = models.CharField(_("状态"), max_length=16, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, null=True, unique=True)
    home_area = models.ForeignKey(
        "areas.Area", verbose_name=_("登记/备案地"), on_delete=models.PROTECT, related_name="+"
    )
    areas_served = models.ManyToManyField("areas.Area", verbose_name=_("服务区域"), related_name="serving_orgs")
    summary = models.TextField(_("简介"), blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    # Until the category tree comes with orders, what an organization serves is free tags (养老 助残 …).
    categories = models.CharField(_("服务领域"), max_length=200, blank=True)
    leader_name = models.CharField(_("法定代表人/负责人"), max_length=50, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    registered_on = models.DateField(_("登记/备案日期"), null=True, blank=True)
    status_reason = models.CharField(_("状态说明"), max_length=500, blank=True)
    incubator = models.CharField(_("孵化机构"), max_length=200, blank=True)
    incubation_start = models.DateField(_("孵化开始"), null=True, blank=True)
    incubation_end = models.DateField(_("孵化结束"), null=True, blank=True)
    # The current evaluation grade (a copy of the latest GradeAward, so the directory can filter on it).
    grade = models.PositiveSmallIntegerField(_("评估等级"), null=True, blank=True)
    grade_awarded_on = models.DateField(_("等级评定日期"), null=True, blank=True)
    grade_valid_until = models.DateField(_("等级有效期至"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="org_grade_1_to_5", condition=Q(grade__isnull=True) | Q(grade__range=(1, 5))),
        ]

    def __str__(self) -> str:
        return self.name

    def grade_valid(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return bool(self.grade and self.grade_valid_until and self.grade_valid_until >= on)

    @property
    def grade_label(self) -> str:
        return f"{self.grade}A" if self.grade else ""

    @property
    def category_tags(self) -> list[str]:
        return split_tags(self.categories)


def split_tags(text: str) -> list[str]:
    """Free tags as typed: separated by spaces, commas or 、 in either width."""
    for sep in ",，、;；":
        text = text.replace(sep, " ")
    return [t for t in text.split() if t]


class Department(models.Model):
    """A government department (职能部门) of a district, e.g. 区卫健局."""

    name = models.CharField(_("名称"), max_length=100)
    area = models.ForeignKey("areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="department_unique_name_in_area")]

    def __str__(self) -> str:
        return self.name


# ---- registry: history, grades, annual reports ------------------------------------------------------


class OrgStatusChange(models.Model):
    """One step of an organization's life cycle; append-only (the services never update or delete)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("原状态"), max_length=16, choices=OrgStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=OrgStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.CharField(_("事由"), max_length=500, blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.from_status or '—'} → {self.to_status}"


class GradeAward(models.Model):
    """An evaluation grade (等级评估 1A–5A), valid for five years from the award."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="grade_awards")
    grade = models.PositiveSmallIntegerField(_("等级"))
    awarded_on = models.DateField(_("评定日期"))
    valid_until = models.DateField(_("有效期至"))
    note = models.CharField(_("备注"), max_length=500, blank=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评估等级")
        verbose_name_plural = _("评估等级")
        ordering = ["-awarded_on", "-pk"]
        constraints = [models.CheckConstraint(name="grade_award_1_to_5", condition=Q(grade__range=(1, 5)))]

    def __str__(self) -> str:
        return f"{self.grade}A ({self.awarded_on})"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已提交待审核")
    RETURNED = "returned", _("退回修改")
    REVIEWED = "reviewed", _("已审核")


class ReportResult(models.TextChoices):
    PASS = "pass", _("合格")
    BASIC = "basic", _("基本合格")
    FAIL = "fail", _("不合格")


class PartyOrg(models.TextChoices):
    OWN = "own", _("单独建立党组织")
    JOINT = "joint", _("联合建立党组织")
    INSTRUCTOR = "instructor", _("未建立，已派党建指导员")
    NONE = "none", _("未建立")


class AnnualReport(models.Model):
    """The yearly report (年度报告/年检) an organization files and civil affairs staff review."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="annual_reports")
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    activities = models.TextField(_("业务活动情况"), blank=True)
    income = models.DecimalField(_("本年收入（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    expense = models.DecimalField(_("本年支出（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    net_assets = models.DecimalField(_("年末净资产（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    staff_count = models.PositiveIntegerField(_("专职工作人员数"), null=True, blank=True)
    volunteer_count = models.PositiveIntegerField(_("志愿者人数"), null=True, blank=True)
    party_org = models.CharField(_("党组织建立情况"), max_length=12, choices=PartyOrg.choices, blank=True)
    party_members = models.PositiveIntegerField(_("党员人数"), null=True, blank=True)
    party_activities = models.TextField(_("党建工作情况"), blank=True)
    changes = models.TextField(_("变更事项（负责人、章程、住所等）"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.CharField(_("检查结论"), max_length=8, choices=ReportResult.choices, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=1000, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="annual_report_one_per_year"),
            models.CheckConstraint(
                name="annual_report_result_iff_reviewed",
                condition=Q(status="reviewed", result__in=["pass", "basic", "fail"])
                | (~Q(status="reviewed") & Q(result="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"


# ---- members and service catalogue ----------------------------------------------------------------


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("管理员")
    MEMBER = "member", _("成员")
    VOLUNTEER = "volunteer", _("志愿者")


class Membership(models.Model):
    """A person in an organization. Admins and members have an account and a grant; volunteers are
    recorded by name and phone, optionally linked to an account (a resident's), and get no grant."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("身份"), max_length=12, choices=MemberRole.choices)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_at = models.DateTimeField(_("加入时间"), default=timezone.now)
    removed_at = models.DateTimeField(_("退出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        ordering = ["role", "joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(removed_at__isnull=True, user__isnull=False),
                name="membership_one_active_per_user",
            ),
            models.CheckConstraint(
                name="membership_account_for_login_roles", condition=Q(role="volunteer") | Q(user__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_role_display()}"


class ServiceOffer(models.Model):
    """One line of an organization's service catalogue (供给清单)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="offers")
    # The code of a service category; a plain string until the category tree of orders is in place.
    category_code = models.CharField(_("服务类别代码"), max_length=40)
    title = models.CharField(_("服务名称"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("服务区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    capacity_per_month = models.PositiveIntegerField(_("每月可服务量"), default=0)
    price = models.DecimalField(
        _("价格（元/次）"), max_digits=10, decimal_places=2, null=True, blank=True, help_text=_("不填表示免费")
    )
    description = models.TextField(_("服务内容"), blank=True)
    active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["organization", "category_code", "title"]

    def __str__(self) -> str:
        return self.title


# ---- talent pool (人才库) -------------------------------------------------------------------------


class Skill(models.TextChoices):
    """The controlled vocabulary of skills; anything else goes into a talent's free tags."""

    SOCIAL_WORK = "social_work", _("社会工作")
    PSYCHOLOGY = "psychology", _("心理咨询")
    LAW = "law", _("法律咨询")
    MEDICAL = "medical", _("医疗护理")
    REHAB = "rehab", _("康复理疗")
    ELDER_CARE = "elder_care", _("养老照护")
    CHILD_CARE = "child_care", _("儿童托管与辅导")
    EDUCATION = "education", _("教育培训")
    HOUSEKEEPING = "housekeeping", _("家政服务")
    REPAIR = "repair", _("家电与水电维修")
    ARTS = "arts", _("文艺体育")
    PHOTO = "photo", _("摄影摄像")
    IT = "it", _("信息技术")
    FINANCE = "finance", _("财务会计")
    MEDIATION = "mediation", _("矛盾调解")
    FIRST_AID = "first_aid", _("应急救护")
    DRIVING = "driving", _("驾驶")
    LANGUAGE = "language", _("外语与手语翻译")


class TalentKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿者")
    PROFESSIONAL = "professional", _("专业人才")


class Talent(models.Model):
    kind = models.CharField(_("类别"), max_length=16, choices=TalentKind.choices)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="talent_profiles"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="talents",
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    tags = models.CharField(_("其他特长"), max_length=200, blank=True)
    certificates = models.TextField(_("证书"), blank=True, help_text=_("每行一项，如：社会工作者职业资格（中级）"))
    availability = models.CharField(_("可服务时间"), max_length=200, blank=True)
    available = models.BooleanField(_("可接受邀请"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("人才")
        verbose_name_plural = _("人才库")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def certificate_list(self) -> list[str]:
        return [line.strip() for line in self.certificates.splitlines() if line.strip()]


class TalentSkill(models.Model):
    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="skill_rows")
    skill = models.CharField(_("技能"), max_length=20, choices=Skill.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["talent", "skill"], name="talent_skill_unique")]
        indexes = [models.Index(fields=["skill"], name="talent_skill_skill")]

    def __str__(self) -> str:
        return self.get_skill_display()


# ---- resource pool (资源库) -----------------------------------------------------------------------


class ResourceKind(models.TextChoices):
    VENUE = "venue", _("场地")
    EQUIPMENT = "equipment", _("设备")
    FUND = "fund", _("资金")


BOOKABLE_KINDS = (ResourceKind.VENUE, ResourceKind.EQUIPMENT)


class Resource(models.Model):
    """A venue, piece of equipment or fund offered for sharing.

    Its owner approves bookings: the organization if set, else the department if set, else the
    staff of the community or street where it is (a community's own rooms, or a unit's (驻区单位)
    offer that the community manages)."""

    kind = models.CharField(_("类别"), max_length=12, choices=ResourceKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    owner_org = models.ForeignKey(
        Organization,
        verbose_name=_("提供组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    owner_department = models.ForeignKey(
        Department,
        verbose_name=_("提供部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    unit_name = models.CharField(
        _("提供单位"), max_length=100, blank=True, help_text=_("驻区单位等，由所在社区代为管理")
    )
    capacity = models.PositiveIntegerField(_("容纳人数/数量"), null=True, blank=True)
    amount = models.DecimalField(_("资金额度（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    active = models.BooleanField(_("可预约"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("共享资源")
        verbose_name_plural = _("资源库")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="resource_one_owner", condition=Q(owner_org__isnull=True) | Q(owner_department__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def bookable(self) -> bool:
        return self.kind in BOOKABLE_KINDS

    @property
    def owner_label(self) -> str:
        return str(self.owner_org or self.owner_department or self.unit_name or self.area)


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已拒绝")
    CANCELLED = "cancelled", _("已取消")


HOLDING_STATUSES = (BookingStatus.PENDING, BookingStatus.APPROVED)


class Booking(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resource_bookings")
    requester_org = models.ForeignKey(
        Organization, verbose_name=_("使用组织"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    purpose = models.CharField(_("用途"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    note = models.CharField(_("审批意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资源预约")
        verbose_name_plural = _("资源预约")
        ordering = ["start", "pk"]
        constraints = [models.CheckConstraint(name="booking_ends_after_start", condition=Q(end__gt=models.F("start")))]

    def __str__(self) -> str:
        return f"{self.resource} {self.start:%Y-%m-%d %H:%M}"


class BookingSlot(models.Model):
    """One half hour of a resource held by a pending or approved booking.

    The unique constraint on (resource, start) is what makes a double booking impossible, on
    SQLite as on PostgreSQL: two overlapping bookings would need the same slot row twice.
    Slots are deleted when their booking is rejected or cancelled, freeing the time.
    """

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "start"], name="booking_slot_unique")]

    def __str__(self) -> str:
        return f"{self.resource_id} @ {self.start:%Y-%m-%d %H:%M}"
