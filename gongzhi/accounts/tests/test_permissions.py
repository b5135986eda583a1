"""The permission chokepoint: role × scope decides, an outsider gets 404, no rule means no access."""

import pytest
from django.contrib.auth.models import AnonymousUser

from conftest import ApiClient
from gongzhi.accounts.models import ApiToken, Role, User
from gongzhi.accounts.permissions import Policy, can, forget_grants, get_for, grants_for, register, restrict
from gongzhi.accounts.services import grant_add, token_issue
from gongzhi.areas.models import Area
from gongzhi.core.errors import NotFound
from gongzhi.orgs.models import Organization

XINGPU = "330903003005"
WENKANG = "330903003008"
DONGGANG = "330903003"


def org(key):
    names = {"org_a": "舟山市普陀区海韵社会工作服务中心", "org_b": "东港街道兴普社区邻里互助会"}
    return Organization.objects.get(name=names[key])


@pytest.fixture
def colleague(demo):
    """Another user of org_a (a member, not its admin)."""
    user = User.objects.create_user(username="org_a_member", password="gongzhi-demo-2")
    grant_add(actor=None, user=user, role=Role.ORG_MEMBER, organization=org("org_a"))
    return user


# ---- areas: create_grid ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "code", "allowed"),
    [
        ("community_xp", XINGPU, True),
        ("street_dg", XINGPU, True),
        ("street_dg", WENKANG, True),
        ("community_xp", WENKANG, False),
        ("resident_a", XINGPU, False),
        ("grid_xp1", XINGPU, False),
        ("org_a", XINGPU, False),
        ("mzj", XINGPU, False),
        ("admin", XINGPU, True),
    ],
)
def test_create_grid_follows_role_and_area(user, username, code, allowed):
    area = Area.objects.get(code=code)
    assert can(user(username), "create_grid", area) is allowed
    if allowed:
        assert get_for(Area.objects.all(), user(username), "create_grid", code=code) == area
    else:
        with pytest.raises(NotFound):
            get_for(Area.objects.all(), user(username), "create_grid", code=code)


def test_create_grid_only_on_communities(user):
    # The street's staff may draw grids in its communities, not on the street itself.
    assert not can(user("street_dg"), "create_grid", Area.objects.get(code=DONGGANG))
    allowed = restrict(Area.objects.all(), user("community_xp"), "create_grid")
    assert list(allowed.values_list("code", flat=True)) == [XINGPU]


# ---- API tokens: owner, colleague, outsider ------------------------------------------------------


def test_token_view_and_revoke_only_by_owner(user, colleague):
    token, _raw = token_issue(user=user("org_a"))
    assert can(user("org_a"), "view", token)
    assert can(user("org_a"), "revoke", token)
    for other in (colleague, user("org_b"), user("resident_a")):
        assert not can(other, "view", token)
        assert not can(other, "revoke", token)
        assert token not in restrict(ApiToken.objects.all(), other, "view")


@pytest.mark.parametrize("persona", ["colleague", "org_b", "resident_a"])
def test_revoking_someone_elses_token_is_404(api, user, colleague, persona):
    token, _raw = token_issue(user=user("org_a"))
    client = ApiClient(token_issue(user=colleague)[1]) if persona == "colleague" else api(persona)
    response = client.post(f"auth/tokens/{token.pk}/revoke")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    token.refresh_from_db()
    assert token.revoked_at is None


def test_owner_revokes_own_token(api, user):
    token, raw = token_issue(user=user("org_a"))
    response = api("org_a").post(f"auth/tokens/{token.pk}/revoke")
    assert response.status_code == 200
    assert response.json()["revoked_at"]
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(raw).get("auth/me").status_code == 401


def test_token_list_shows_only_mine(api, user):
    mine, _ = token_issue(user=user("org_b"), name="mine")
    theirs, _ = token_issue(user=user("org_a"), name="theirs")
    ids = {t["id"] for t in api("org_b").get("auth/tokens").json()}
    assert mine.pk in ids
    assert theirs.pk not in ids


# ---- organizations -------------------------------------------------------------------------------


def test_org_admin_changes_only_own_org(user, colleague):
    org_a = org("org_a")
    assert can(user("org_a"), "change", org_a)
    assert not can(user("org_b"), "change", org_a)
    assert not can(colleague, "change", org_a)  # a member is not the admin
    assert not can(user("community_xp"), "change", org_a)
    assert can(user("admin"), "change", org_a)
    assert list(restrict(Organization.objects.all(), user("org_b"), "change")) == [org("org_b")]


# ---- default deny --------------------------------------------------------------------------------


def test_action_without_rule_matches_nothing(user):
    for username in ("org_a", "community_xp", "mzj", "resident_a"):
        assert not restrict(Area.objects.all(), user(username), "no_such_action").exists()
        assert not restrict(Organization.objects.all(), user(username), "delete").exists()


def test_admin_passes_every_rule(user):
    assert restrict(Area.objects.all(), user("admin"), "manage").count() == Area.objects.count()
    assert restrict(ApiToken.objects.all(), user("admin"), "view").count() == ApiToken.objects.count()


def test_admin_all_false_keeps_admins_to_the_rule(user):
    class Probe(Policy):
        rules = {"view": lambda g: None}
        admin_all = False

    from gongzhi.accounts import permissions

    saved = permissions._registry.get(ApiToken)
    register(ApiToken)(Probe)
    try:
        assert not restrict(ApiToken.objects.all(), user("admin"), "view").exists()
    finally:
        permissions._registry[ApiToken] = saved


@pytest.mark.parametrize("who", ["anonymous", "none", "inactive"])
def test_nobody_gets_private_rows(user, who):
    token_issue(user=user("org_a"))
    subject = {"anonymous": AnonymousUser(), "none": None}.get(who)
    if who == "inactive":
        subject = user("org_a")
        subject.is_active = False
    assert not restrict(ApiToken.objects.all(), subject, "view").exists()
    assert not restrict(User.objects.all(), subject, "view").exists()
    assert not restrict(Area.objects.all(), subject, "create_grid").exists()
    assert not restrict(Organization.objects.all(), subject, "change").exists()
    assert not grants_for(subject).scopes


def test_anonymous_sees_the_public_directory(demo):
    # The division tree and the active organizations are public knowledge.
    assert restrict(Area.objects.all(), AnonymousUser(), "view").count() == Area.objects.count()
    assert org("org_a") in restrict(Organization.objects.all(), AnonymousUser(), "view")


def test_unregistered_model_is_an_error(demo):
    from django.contrib.sessions.models import Session

    with pytest.raises(LookupError):
        restrict(Session.objects.all(), None, "view")


def test_new_grant_takes_effect_for_the_same_user_object(user):
    community_xp = user("community_xp")
    wenkang = Area.objects.get(code=WENKANG)
    assert not can(community_xp, "create_grid", wenkang)
    grant_add(actor=None, user=community_xp, role=Role.COMMUNITY_WORKER, area=wenkang)
    assert can(community_xp, "create_grid", wenkang)
    forget_grants(community_xp)
    assert can(community_xp, "create_grid", wenkang)


def test_the_granted_areas_come_with_the_grants_as_stored(user):
    """The areas read with the grants are the stored rows (not new objects a save would insert again)."""
    street = user("street_dg")
    forget_grants(street)
    areas = grants_for(street).areas
    stored = Area.objects.get(code="330903003")
    assert list(areas) == [stored.path]
    read = areas[stored.path]
    assert not read._state.adding and read._state.db == stored._state.db
    assert [getattr(read, f.attname) for f in Area._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in Area._meta.concrete_fields
    ]
