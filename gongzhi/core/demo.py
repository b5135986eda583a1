"""The Putuo demo: real divisions, grids, departments, organizations and the demo accounts.

Idempotent: every step looks for what it would create and leaves existing rows alone, so running
``gongzhi demo`` twice changes nothing. Later features add their own steps with :func:`demo_step`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from gongzhi.accounts.models import Role, User
from gongzhi.accounts.services import grant_add, user_create
from gongzhi.areas.models import Area
from gongzhi.areas.services import import_divisions
from gongzhi.audit.services import audit_record
from gongzhi.orgs.models import Department, Organization, OrgType

DEMO_PASSWORD = "gongzhi-demo"  # noqa: S105 - published in the README; demo accounts only
DATA_DIR = Path(__file__).resolve().parent.parent / "areas" / "data"
DISTRICT = "330903"
STREET_DG = "330903003"
COMMUNITY_XP = "330903003005"
COMMUNITY_WK = "330903003008"

GRIDS = {
    COMMUNITY_XP: ["兴普一网格", "兴普二网格", "兴普三网格"],
    COMMUNITY_WK: ["文康一网格", "文康二网格"],
}
DEPARTMENTS = ["区卫健局", "区民政局", "区司法局", "区住建局", "区人力社保局", "区综合执法局"]
ORGS = [
    {
        "key": "org_a",
        "name": "舟山市普陀区海韵社会工作服务中心",
        "org_type": OrgType.SERVICE_INSTITUTION,
        "credit_code": "52330903MJ9000006W",
        "home": DISTRICT,
        "served": [STREET_DG],
        "summary": "专业社工机构，提供居家养老、助残和心理疏导服务。",
        "phone": "0580-3801234",
    },
    {
        "key": "org_b",
        "name": "东港街道兴普社区邻里互助会",
        "org_type": OrgType.COMMUNITY_GROUP,
        "credit_code": None,
        "home": COMMUNITY_XP,
        "served": [COMMUNITY_XP, COMMUNITY_WK],
        "summary": "社区社会组织，志愿者为邻里提供陪伴、代购和文体活动。",
        "phone": "0580-3805678",
    },
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    description: str
    grants: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    superuser: bool = False


def demo_accounts() -> list[DemoAccount]:
    return [
        DemoAccount("admin", "系统管理员", "系统管理员", [(Role.ADMIN, {})], superuser=True),
        DemoAccount("mzj", "民政局 王科长", "区民政局工作人员（全区）", [(Role.CIVIL_AFFAIRS, {"area": DISTRICT})]),
        DemoAccount("street_dg", "东港街道 李主任", "东港街道工作人员", [(Role.STREET_STAFF, {"area": STREET_DG})]),
        DemoAccount(
            "community_xp", "兴普社区 陈书记", "兴普社区工作者", [(Role.COMMUNITY_WORKER, {"area": COMMUNITY_XP})]
        ),
        DemoAccount(
            "grid_xp1",
            "兴普一网格 周网格员",
            "兴普社区一网格网格员",
            [(Role.GRID_WORKER, {"grid": (COMMUNITY_XP, "兴普一网格")})],
        ),
        DemoAccount(
            "dept_wj",
            "区卫健局 赵科员",
            "区卫健局工作人员",
            [(Role.DEPT_STAFF, {"department": "区卫健局", "area": DISTRICT})],
        ),
        DemoAccount(
            "org_a", "海韵社工 孙主任", "舟山市普陀区海韵社会工作服务中心管理员", [(Role.ORG_ADMIN, {"org": "org_a"})]
        ),
        DemoAccount(
            "org_b", "邻里互助会 吴会长", "东港街道兴普社区邻里互助会管理员", [(Role.ORG_ADMIN, {"org": "org_b"})]
        ),
        DemoAccount(
            "resident_a",
            "张阿姨",
            "兴普社区居民（独居老人）",
            [(Role.RESIDENT, {"grid": (COMMUNITY_XP, "兴普一网格")})],
        ),
        DemoAccount("resident_b", "刘先生", "兴普社区居民", [(Role.RESIDENT, {"grid": (COMMUNITY_XP, "兴普二网格")})]),
        DemoAccount("expert_a", "郑教授", "评审专家", [(Role.EXPERT, {})]),
    ]


DemoStep = Callable[[Any, dict[str, Any]], None]
_STEPS: list[tuple[int, str, DemoStep, bool]] = []


def demo_step(order: int, name: str, *, atomic: bool = True) -> Callable[[DemoStep], DemoStep]:
    """Register a demo step. Steps run in ``order``, each in one transaction; with ``atomic=False`` the step
    keeps its own transactions (a long bulk load that commits as it goes)."""

    def wrap(fn: DemoStep) -> DemoStep:
        if not any(n == name for _o, n, _f, _a in _STEPS):
            _STEPS.append((order, name, fn, atomic))
            _STEPS.sort(key=lambda s: s[0])
        return fn

    return wrap


@demo_step(10, "areas")
def _areas(system: Any, state: dict[str, Any]) -> None:
    files = sorted(DATA_DIR.glob("putuo_*.csv"))
    import_divisions(actor=system, files=files)
    for community_code, names in GRIDS.items():
        community = Area.objects.get(code=community_code)
        for number, name in enumerate(names, start=1):
            code = f"{community_code}-{number:03d}"
            if not Area.objects.filter(code=code).exists():
                Area.objects.create(
                    code=code,
                    name=name,
                    short_name=name,
                    level="grid",
                    parent=community,
                    path=f"{community.path}{code}/",
                    depth=5,
                )
                audit_record(
                    actor=system,
                    action="areas.grid.created",
                    target=Area.objects.get(code=code),
                    data={"community": community_code, "demo": True},
                )


@demo_step(20, "bodies")
def _bodies(system: Any, state: dict[str, Any]) -> None:
    district = Area.objects.get(code=DISTRICT)
    for name in DEPARTMENTS:
        dept, created = Department.objects.get_or_create(area=district, name=name)
        if created:
            audit_record(actor=system, action="orgs.department.created", target=dept)
    orgs: dict[str, Organization] = {}
    for spec in ORGS:
        org = Organization.objects.filter(name=spec["name"]).first()
        if org is None:
            org = Organization.objects.create(
                name=spec["name"],
                org_type=spec["org_type"],
                credit_code=spec["credit_code"],
                home_area=Area.objects.get(code=spec["home"]),
                summary=spec["summary"],
                contact_phone=spec["phone"],
            )
            org.areas_served.set(Area.objects.filter(code__in=spec["served"]))
            audit_record(actor=system, action="orgs.organization.created", target=org, data={"demo": True})
        orgs[spec["key"]] = org
    state["orgs"] = orgs


def _scope(spec: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if "area" in spec:
        kwargs["area"] = Area.objects.get(code=spec["area"])
    if "grid" in spec:
        community, name = spec["grid"]
        kwargs["area"] = Area.objects.get(parent__code=community, name=name)
    if "org" in spec:
        kwargs["organization"] = state["orgs"][spec["org"]]
    if "department" in spec:
        kwargs["department"] = Department.objects.get(name=spec["department"], area__code=DISTRICT)
    return kwargs


@demo_step(30, "accounts")
def _accounts(system: Any, state: dict[str, Any]) -> None:
    for account in demo_accounts():
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = user_create(
                actor=system,
                username=account.username,
                password=DEMO_PASSWORD,
                display_name=account.display_name,
                is_superuser=account.superuser,
                check_password=False,
            )
        for role, spec in account.grants:
            grant_add(actor=system, user=user, role=role, **_scope(spec, state))


def load_demo(*, extra: dict[str, Any] | None = None) -> list[str]:
    """Run every demo step in order, each in its own transaction (see ``demo_step``); returns the step names."""
    # Import the apps' demo modules so their steps are registered.
    import importlib

    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if (
            config.name.startswith("gongzhi.")
            and config.name != "gongzhi.core"
            and module_has_submodule(config.module, "demo")
        ):
            importlib.import_module(f"{config.name}.demo")
    state: dict[str, Any] = dict(extra or {})
    done = []
    for _order, name, step, atomic in list(_STEPS):
        if atomic:
            with transaction.atomic():
                step(None, state)
        else:
            step(None, state)
        done.append(name)
    return done
