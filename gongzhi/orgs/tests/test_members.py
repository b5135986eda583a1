"""Members (admin, member, volunteer), the service catalogue and the profile kept by the organization."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongzhi.accounts.models import Grant
from gongzhi.accounts.permissions import grants_for
from gongzhi.core.errors import Conflict, NotFound, ValidationFailed
from gongzhi.orgs.models import Membership, Organization
from gongzhi.orgs.services import (
    member_add_volunteer,
    member_invite,
    member_remove,
    offer_create,
    offer_update,
    org_update_profile,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_a(demo):
    return Organization.objects.get(name="舟山市普陀区海韵社会工作服务中心")


def test_invite_grants_and_removal_revokes(org_a, user):
    membership = member_invite(actor=user("org_a"), org=org_a, username="resident_b", role="member")
    resident_b = user("resident_b")
    assert Grant.objects.filter(user=resident_b, role="org_member", organization=org_a).exists()
    assert org_a.pk in grants_for(resident_b).organization_ids()
    member_remove(actor=user("org_a"), membership=membership)
    assert not Grant.objects.filter(user=resident_b, role="org_member", organization=org_a).exists()
    assert Membership.objects.get(pk=membership.pk).removed_at is not None


def test_no_double_membership(org_a, user):
    with pytest.raises(ValidationFailed) as err:
        member_invite(actor=user("org_a"), org=org_a, username="org_a", role="member")
    assert "已是本组织成员" in err.value.errors["username"][0]
    with pytest.raises(ValidationFailed):
        member_invite(actor=user("org_a"), org=org_a, username="resident_b", role="owner")


def test_the_last_admin_cannot_leave(org_a, user):
    admin = Membership.objects.get(organization=org_a, user=user("org_a"))
    with pytest.raises(Conflict):
        member_remove(actor=user("org_a"), membership=admin)
    member_invite(actor=user("org_a"), org=org_a, username="resident_b", role="admin")
    member_remove(actor=user("org_a"), membership=admin)
    assert not grants_for(user("org_a")).organization_ids()


def test_volunteers_have_no_grant(org_a, user):
    v = member_add_volunteer(actor=user("org_a"), org=org_a, name="志愿者小李", phone="13812345678")
    assert v.role == "volunteer" and v.user is None
    linked = member_add_volunteer(actor=user("org_a"), org=org_a, username="resident_a")
    assert linked.user == user("resident_a") and linked.name == "张阿姨"
    assert not Grant.objects.filter(user=user("resident_a"), organization=org_a).exists()
    with pytest.raises(ValidationFailed):
        member_add_volunteer(actor=user("org_a"), org=org_a, name="", phone="")


def test_outsiders_manage_no_members(org_a, user):
    for outsider in ("org_b", "mzj", "resident_a", "community_xp"):
        with pytest.raises(NotFound):
            member_invite(actor=user(outsider), org=org_a, username="resident_b", role="member")
    admin = Membership.objects.get(organization=org_a, user=user("org_a"))
    with pytest.raises(NotFound):
        member_remove(actor=user("org_b"), membership=admin)


def test_catalogue(org_a, user, area):
    offer = offer_create(
        actor=user("org_a"),
        org=org_a,
        category_code="elderly_care",
        title="助浴服务",
        area=area("330903003005"),
        capacity_per_month=12,
        price="30",
    )
    assert offer.price == Decimal("30.00")
    offer = offer_update(actor=user("org_a"), offer=offer, active=False)
    assert not offer.active
    with pytest.raises(ValidationFailed) as err:
        offer_create(actor=user("org_a"), org=org_a, category_code="养老", title="")
    assert {"category_code", "title"} <= set(err.value.errors)
    with pytest.raises(NotFound):
        offer_create(actor=user("org_b"), org=org_a, category_code="x", title="越权")
    with pytest.raises(NotFound):
        offer_update(actor=user("org_b"), offer=offer, active=True)


def test_profile(org_a, user, area):
    org = org_update_profile(actor=user("org_a"), org=org_a, summary="新的简介", areas_served=[area("330903003")])
    assert org.summary == "新的简介" and list(org.areas_served.values_list("code", flat=True)) == ["330903003"]
    with pytest.raises(ValidationFailed):
        org_update_profile(actor=user("org_a"), org=org_a, name="改名要走变更登记")
    with pytest.raises(ValidationFailed):
        org_update_profile(actor=user("org_a"), org=org_a, contact_phone="打电话给我")
    with pytest.raises(NotFound):
        org_update_profile(actor=user("org_b"), org=org_a, summary="越权")
