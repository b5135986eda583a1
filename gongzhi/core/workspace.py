"""Each role's home page: its title, what it is for, and the panels other apps contribute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Role

ROLE_HOMES: dict[str, tuple[Promise, Promise]] = {
    Role.RESIDENT: (_("居民首页"), _("在这里提出您的需求（点单），查看办理进度，并为服务打分。")),
    Role.ORG_ADMIN: (_("社会组织工作台"), _("在接单大厅领取需求，办理派给本组织的工单，上传服务照片。")),
    Role.ORG_MEMBER: (_("社会组织工作台"), _("查看本组织的工单并协助完成服务。")),
    Role.GRID_WORKER: (_("网格员工作台"), _("上报巡查中发现的需求，为没有智能手机的居民代办。")),
    Role.COMMUNITY_WORKER: (_("社区工作台"), _("派单给社会组织，代居民登记需求，确认服务并督办超期工单。")),
    Role.STREET_STAFF: (_("街道工作台"), _("统筹本街道各社区的需求与服务，督办超期工单。")),
    Role.DEPT_STAFF: (_("职能部门工作台"), _("签收转办的特殊疑难事项，办理并答复，也可向社会组织派单。")),
    Role.CIVIL_AFFAIRS: (_("民政局工作台"), _("社会组织登记备案、年检、等级评估，项目库与年度排名。")),
    Role.EXPERT: (_("评审专家工作台"), _("评审分配给您的项目申报，并声明利益冲突。")),
    Role.ADMIN: (_("系统管理"), _("配置平台：用户与授权、服务类别、分派规则与审计。")),
}


@dataclass(frozen=True)
class Panel:
    """A block on the workspace of some roles; ``context`` returns what its template needs."""

    template: str
    roles: tuple[str, ...]
    context: Callable[[HttpRequest], dict[str, Any]] = field(default=lambda request: {})
    order: int = 100


PANELS: list[Panel] = []


def register_panel(panel: Panel) -> None:
    PANELS.append(panel)
    PANELS.sort(key=lambda p: p.order)


def panels_for(request: HttpRequest, roles: set[str]) -> list[dict[str, Any]]:
    return [{"template": p.template, **p.context(request)} for p in PANELS if roles & set(p.roles)]
