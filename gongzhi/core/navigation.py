"""Navigation per role: what each kind of user sees in the menu, and in elder mode (fewer items)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Role

ALL = "*"
STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS, Role.ADMIN)


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: tuple[str, ...] | str = ALL
    elder: bool = True  # shown in elder mode


ITEMS: list[NavItem] = [
    NavItem(_("工作台"), "core:workspace"),
    NavItem(_("我要点单"), "orders:new", (Role.RESIDENT,)),
    NavItem(_("我的需求"), "orders:mine", (Role.RESIDENT,)),
    NavItem(_("接单大厅"), "orders:hall", (Role.ORG_ADMIN, Role.ORG_MEMBER)),
    NavItem(_("本组织订单"), "orders:org", (Role.ORG_ADMIN, Role.ORG_MEMBER)),
    NavItem(_("派单与代办"), "orders:dispatch", (*STAFF, Role.DEPT_STAFF)),
    NavItem(
        _("督办"), "orders:supervision", (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS, Role.ADMIN)
    ),
    NavItem(_("辖区订单"), "orders:area", STAFF, elder=False),
    NavItem(_("转办事项"), "orders:inbox", (Role.DEPT_STAFF,)),
    NavItem(_("四张清单"), "lists:index", (*STAFF, Role.DEPT_STAFF, Role.ORG_ADMIN, Role.ORG_MEMBER), elder=False),
    NavItem(_("服务台账"), "orders:ledger", (*STAFF, Role.ORG_ADMIN, Role.ORG_MEMBER, Role.DEPT_STAFF), elder=False),
    NavItem(_("区域与网格"), "areas:browse", STAFF, elder=False),
    NavItem(_("网格巡查"), "grid:home", (Role.GRID_WORKER,)),
    NavItem(_("居民"), "people:residents", STAFF, elder=False),
    NavItem(_("我的信息"), "people:me", (Role.RESIDENT,), elder=False),
    NavItem(_("统计"), "insights:dashboard", STAFF, elder=False),
    NavItem(_("排行榜"), "insights:leaderboards", elder=False),
    NavItem(_("社会组织"), "orgs:directory"),
    NavItem(
        _("登记管理"),
        "orgs:registry",
        (Role.CIVIL_AFFAIRS, Role.STREET_STAFF, Role.COMMUNITY_WORKER, Role.ADMIN),
        elder=False,
    ),
    NavItem(_("人才库"), "talents:list", (*STAFF, Role.ORG_ADMIN, Role.ORG_MEMBER), elder=False),
    NavItem(_("资源库"), "resources:list", elder=False),
    NavItem(_("我的账号"), "accounts:account"),
]


# Pages that are not in the menu but are linked from other pages: who may open them. A link to one of these is
# shown only to those roles (templates ask ``"name" in pages``), so nobody is shown a way to a 403/404.
PAGES: dict[str, tuple[str, ...]] = {
    "orders:supervision": (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS, Role.ADMIN),
    "insights:points": (Role.CIVIL_AFFAIRS, Role.EXPERT, Role.ADMIN, Role.ORG_ADMIN, Role.ORG_MEMBER),
    "lists:match_preview": (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS, Role.DEPT_STAFF, Role.ADMIN),
    "people:import": (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.ADMIN),
    "people:access": (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS, Role.ADMIN),
    "orgs:registry": (Role.CIVIL_AFFAIRS, Role.STREET_STAFF, Role.COMMUNITY_WORKER, Role.ADMIN),
}


def pages_for(roles: set[str]) -> set[str]:
    """The names of every page the roles may open: the menu's and the linked-only ones above."""
    names = {item.url_name for item in ITEMS if item.roles == ALL or roles & set(item.roles)}
    return names | {name for name, allowed in PAGES.items() if roles & set(allowed)}


def nav_for(roles: set[str], *, elder: bool) -> list[dict[str, str]]:
    out = []
    for item in ITEMS:
        if elder and not item.elder:
            continue
        if item.roles != ALL and not (roles & set(item.roles)):
            continue
        out.append({"label": str(item.label), "url": reverse(item.url_name), "name": item.url_name})
    return out
