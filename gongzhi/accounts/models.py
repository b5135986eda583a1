"""Users, their grants (role × scope), API tokens and login throttling records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    ORG_ADMIN = "org_admin", _("社会组织管理员")
    ORG_MEMBER = "org_member", _("社会组织成员")
    GRID_WORKER = "grid_worker", _("网格员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    STREET_STAFF = "street_staff", _("街道工作人员")
    DEPT_STAFF = "dept_staff", _("职能部门工作人员")
    CIVIL_AFFAIRS = "civil_affairs", _("民政局工作人员")
    EXPERT = "expert", _("评审专家")
    ADMIN = "admin", _("系统管理员")


# Which scope each role's grant needs: an area, an organization, or a department (with its area).
AREA_ROLES = {
    Role.RESIDENT,
    Role.GRID_WORKER,
    Role.COMMUNITY_WORKER,
    Role.STREET_STAFF,
    Role.CIVIL_AFFAIRS,
}
ORG_ROLES = {Role.ORG_ADMIN, Role.ORG_MEMBER}
DEPT_ROLES = {Role.DEPT_STAFF}
UNSCOPED_ROLES = {Role.EXPERT, Role.ADMIN}
STAFF_ROLES = {Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS}


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    elder_mode = models.BooleanField(_("长者模式"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Grant(models.Model):
    """A user may act in ``role`` within ``area``'s subtree, or for ``organization`` / ``department``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("社会组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("职能部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        constraints = [
            # Coalesce makes "no scope" count as one value on every database (nulls_distinct is PostgreSQL-only).
            models.UniqueConstraint(
                F("user"),
                F("role"),
                Coalesce("area", Value(0)),
                Coalesce("organization", Value(0)),
                Coalesce("department", Value(0)),
                name="grant_unique",
            ),
            models.CheckConstraint(
                name="grant_scope_matches_role",
                condition=(
                    Q(
                        role__in=sorted(r.value for r in AREA_ROLES),
                        area__isnull=False,
                        organization__isnull=True,
                        department__isnull=True,
                    )
                    | Q(
                        role__in=sorted(r.value for r in ORG_ROLES),
                        area__isnull=True,
                        organization__isnull=False,
                        department__isnull=True,
                    )
                    | Q(
                        role__in=sorted(r.value for r in DEPT_ROLES),
                        area__isnull=False,
                        organization__isnull=True,
                        department__isnull=False,
                    )
                    | Q(
                        role__in=sorted(r.value for r in UNSCOPED_ROLES),
                        area__isnull=True,
                        organization__isnull=True,
                        department__isnull=True,
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        scope = self.organization or self.department or self.area or ""
        return f"{self.user} · {self.get_role_display()} · {scope}"


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, the value is shown once when issued."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    name = models.CharField(_("用途"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def expires_at(self) -> Any:
        return self.created_at + timedelta(days=settings.TOKEN_DAYS) if self.created_at else None

    @property
    def expired(self) -> bool:
        return bool(self.expires_at and self.expires_at <= timezone.now())


class LoginFailure(models.Model):
    """One failed login; counted per account and per address within a sliding window."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"], name="loginfail_user_at"),
            models.Index(fields=["ip", "at"], name="loginfail_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip} {self.at:%Y-%m-%d %H:%M}"
