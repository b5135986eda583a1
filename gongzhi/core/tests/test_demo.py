"""The demo loader: everything it promises is there, and running it again changes nothing."""

from __future__ import annotations

import io

from django.apps import apps
from django.core.management import call_command

from gongzhi.accounts.models import Grant, Role, User
from gongzhi.areas.models import Area, Level
from gongzhi.audit.selectors import audit_verify
from gongzhi.core.demo import DEMO_PASSWORD, demo_accounts
from gongzhi.orgs.models import Department, Organization


def table_counts() -> dict[str, int]:
    """Row counts of every table of every gongzhi app, including many-to-many tables."""
    counts: dict[str, int] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("gongzhi."):
            continue
        for model in config.get_models(include_auto_created=True):
            counts[model._meta.label] = model._default_manager.count()
    return counts


def test_second_load_changes_nothing(demo):
    # The full demo, as `gongzhi demo` loads it (the test database may hold a lighter one), then again.
    call_command("demo", stdout=io.StringIO())
    before = table_counts()
    assert before["audit.AuditEntry"] > 0 and before["areas.Area"] > 0
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert table_counts() == before
    assert audit_verify().ok
    assert "演示数据已就绪" in out.getvalue()
    assert f"密码 {DEMO_PASSWORD}" in out.getvalue()
    for account in demo_accounts():
        assert account.username in out.getvalue()


def test_every_demo_account_can_log_in_and_has_its_roles(demo):
    for account in demo_accounts():
        user = User.objects.get(username=account.username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.display_name == account.display_name
        assert set(Grant.objects.filter(user=user).values_list("role", flat=True)) == {r for r, _s in account.grants}
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="mzj").is_superuser


def test_demo_scopes(demo):
    def scope(username: str, role: str) -> Grant:
        return Grant.objects.select_related("area", "organization", "department").get(
            user__username=username, role=role
        )

    assert scope("community_xp", Role.COMMUNITY_WORKER).area.code == "330903003005"
    assert scope("street_dg", Role.STREET_STAFF).area.code == "330903003"
    assert scope("grid_xp1", Role.GRID_WORKER).area.code == "330903003005-001"
    assert scope("resident_b", Role.RESIDENT).area.code == "330903003005-002"
    assert scope("dept_wj", Role.DEPT_STAFF).department.name == "区卫健局"
    assert scope("org_a", Role.ORG_ADMIN).organization.name == "舟山市普陀区海韵社会工作服务中心"


def test_demo_areas_and_bodies(demo):
    assert Area.objects.get(code="330903").short_name == "普陀区"
    assert Area.objects.get(code="330903003").name == "东港街道"
    assert Area.objects.get(code="330903003008").short_name == "文康社区"
    assert list(Area.objects.filter(level=Level.GRID, parent__code="330903003008").values_list("name", flat=True)) == [
        "文康一网格",
        "文康二网格",
    ]
    assert Department.objects.filter(area__code="330903").count() == 6
    org_b = Organization.objects.get(name="东港街道兴普社区邻里互助会")
    assert set(org_b.areas_served.values_list("code", flat=True)) == {"330903003005", "330903003008"}
