"""The register's life cycle: every transition, its guard, its history row, its audit entry."""

from __future__ import annotations

from datetime import date

import pytest

from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import IllegalState, NotFound, PermissionDenied, ValidationFailed
from gongzhi.orgs.models import Organization, OrgStatus, OrgStatusChange
from gongzhi.orgs.services import (
    org_activate,
    org_deregister,
    org_file,
    org_incubate,
    org_mark_abnormal,
    org_register,
    org_restore,
    org_suspend,
)

pytestmark = pytest.mark.django_db


def _history(org):
    return list(OrgStatusChange.objects.filter(organization=org).values_list("from_status", "to_status"))


def test_register_writes_history_and_audit(registered, user):
    assert registered.status == OrgStatus.REGISTERED
    assert _history(registered) == [("", "registered")]
    entry = AuditEntry.objects.filter(action="orgs.organization.registered", target_id=str(registered.pk)).get()
    assert entry.actor_id == user("mzj").pk
    assert list(registered.areas_served.values_list("code", flat=True)) == ["330903"]


def test_full_life_cycle(registered, user):
    mzj = user("mzj")
    org = org_activate(actor=mzj, org=registered)
    org = org_mark_abnormal(actor=mzj, org=org, reason="未按时提交年报")
    assert org.status == OrgStatus.ABNORMAL and org.status_reason == "未按时提交年报"
    org = org_suspend(actor=mzj, org=org, reason="接受调查")
    org = org_restore(actor=mzj, org=org, reason="整改完毕")
    org = org_deregister(actor=mzj, org=org, reason="自行解散")
    assert _history(org) == [
        ("", "registered"),
        ("registered", "active"),
        ("active", "abnormal"),
        ("abnormal", "suspended"),
        ("suspended", "active"),
        ("active", "deregistered"),
    ]
    actions = set(
        AuditEntry.objects.filter(target_id=str(org.pk), target_type="orgs.organization").values_list(
            "action", flat=True
        )
    )
    assert {
        "orgs.organization.activated",
        "orgs.organization.marked_abnormal",
        "orgs.organization.suspended",
        "orgs.organization.restored",
        "orgs.organization.deregistered",
    } <= actions


@pytest.mark.parametrize(
    ("service", "kwargs"),
    [
        (org_activate, {}),
        (org_suspend, {"reason": "x"}),
        (org_mark_abnormal, {"reason": "x"}),
        (org_restore, {"reason": "x"}),
        (org_deregister, {"reason": "x"}),
    ],
)
def test_nothing_happens_to_a_deregistered_organization(registered, user, service, kwargs):
    org = org_deregister(actor=user("mzj"), org=registered, reason="注销")
    with pytest.raises(IllegalState) as err:
        service(actor=user("mzj"), org=org, **kwargs)
    assert err.value.status == 409
    assert err.value.extra["state"] == "deregistered"
    assert "已注销" in str(err.value.message)
    assert len(_history(org)) == 2


def test_guards_name_the_current_state(registered, user):
    with pytest.raises(IllegalState) as err:
        org_restore(actor=user("mzj"), org=registered, reason="x")
    assert err.value.extra == {"state": "registered", "state_label": "已登记"}
    with pytest.raises(IllegalState):
        org_suspend(actor=user("mzj"), org=registered, reason="x")


def test_reasons_are_required_where_it_matters(registered, user):
    with pytest.raises(ValidationFailed) as err:
        org_mark_abnormal(actor=user("mzj"), org=registered, reason="  ")
    assert "reason" in err.value.errors


def test_outsiders_cannot_move_an_organization(registered, user):
    # org_a sees the public directory, not the register: the organization "does not exist" for it.
    with pytest.raises(NotFound):
        org_activate(actor=user("org_a"), org=registered)
    # Street staff keep the register of their street only; a district registration is not theirs.
    with pytest.raises(NotFound):
        org_suspend(actor=user("street_dg"), org=registered, reason="x")
    assert Organization.objects.get(pk=registered.pk).status == OrgStatus.REGISTERED


def test_registration_validates_the_credit_code(user, area, fresh_code):
    common = {"actor": user("mzj"), "name": "普陀区测试协会", "org_type": "social_group", "home_area": area("330903")}
    with pytest.raises(ValidationFailed) as err:
        org_register(credit_code="51330903MJ9000001Q", **common)
    assert "credit_code" in err.value.errors and "第9–17位" in err.value.errors["credit_code"][0]
    code = fresh_code("1")
    org_register(credit_code=code.lower(), **common)  # typed in lower case: normalized
    assert Organization.objects.get(name="普陀区测试协会").credit_code == code


def test_duplicate_credit_codes_and_names_are_refused(registered, user, area, fresh_code):
    with pytest.raises(ValidationFailed) as err:
        org_register(
            actor=user("mzj"),
            name="另一个组织名称",
            org_type="social_group",
            home_area=area("330903"),
            credit_code=registered.credit_code,
        )
    assert registered.name in err.value.errors["credit_code"][0]
    with pytest.raises(ValidationFailed) as err:
        org_register(
            actor=user("mzj"),
            name=registered.name,
            org_type="social_group",
            home_area=area("330903"),
            credit_code=fresh_code(),
        )
    assert "已在名录中" in err.value.errors["name"][0]


def test_community_groups_are_filed_not_registered(user, area, fresh_code):
    with pytest.raises(ValidationFailed) as err:
        org_register(
            actor=user("mzj"),
            name="兴普社区广场舞队",
            org_type="community_group",
            home_area=area("330903"),
            credit_code=fresh_code(),
        )
    assert "备案" in err.value.errors["org_type"][0]
    org = org_file(actor=user("community_xp"), name="兴普社区广场舞队", home_area=area("330903003005"))
    assert org.status == OrgStatus.FILED and org.org_type == "community_group" and org.credit_code is None
    assert org.registered_on is not None
    # …by the staff of that community or street, not of another one.
    with pytest.raises(PermissionDenied):
        org_file(actor=user("community_xp"), name="文康社区合唱团", home_area=area("330903003008"))
    # Residents and organizations do not keep registers at all.
    with pytest.raises(PermissionDenied):
        org_file(actor=user("resident_a"), name="居民自己备案", home_area=area("330903003005"))


def test_only_civil_affairs_registers(user, area, fresh_code):
    for username in ("street_dg", "community_xp", "org_a", "resident_a"):
        with pytest.raises(PermissionDenied):
            org_register(
                actor=user(username),
                name="越权登记的协会",
                org_type="social_group",
                home_area=area("330903"),
                credit_code=fresh_code(),
            )


def test_registration_happens_at_a_district(user, area, fresh_code):
    with pytest.raises(ValidationFailed) as err:
        org_register(
            actor=user("mzj"),
            name="街道层级登记",
            org_type="social_group",
            home_area=area("330903003"),
            credit_code=fresh_code(),
        )
    assert "区县" in err.value.errors["home_area"][0]


def test_incubation_then_registration(user, area, fresh_code):
    org = org_incubate(
        actor=user("street_dg"),
        name="东港街道孵化中的服务社",
        org_type="service_institution",
        home_area=area("330903003"),
        incubator="东港街道社会组织服务中心",
        incubation_start=date(2026, 1, 1),
        incubation_end=date(2026, 12, 31),
    )
    assert org.status == OrgStatus.INCUBATING and org.incubator == "东港街道社会组织服务中心"
    # Not public while incubating.
    from gongzhi.accounts.permissions import can

    assert not can(None, "view", org)
    # Leaving incubation: registered at the district (the street hub is not a registry).
    with pytest.raises(ValidationFailed):
        org_register(actor=user("mzj"), org=org, credit_code=fresh_code())
    org = org_register(actor=user("mzj"), org=org, credit_code=fresh_code(), home_area=area("330903"))
    assert _history(org) == [("", "incubating"), ("incubating", "registered")]
    with pytest.raises(IllegalState):
        org_register(actor=user("mzj"), org=org, credit_code=fresh_code())


def test_incubation_needs_its_incubator_and_period(user, area):
    with pytest.raises(ValidationFailed) as err:
        org_incubate(
            actor=user("street_dg"),
            name="没有孵化机构的组织",
            org_type="community_group",
            home_area=area("330903003"),
            incubator="",
            incubation_start=date(2026, 5, 1),
            incubation_end=date(2026, 4, 1),
        )
    assert {"incubator", "incubation_end"} <= set(err.value.errors)


def test_registration_with_an_admin_account(user, area, fresh_code):
    from gongzhi.accounts.permissions import grants_for

    org = org_register(
        actor=user("mzj"),
        name="带管理员的测试中心",
        org_type="service_institution",
        home_area=area("330903"),
        credit_code=fresh_code(),
        admin_username="resident_b",
    )
    resident_b = user("resident_b")
    assert org.pk in grants_for(resident_b).organization_ids("org_admin")
    assert org.memberships.get().role == "admin"
