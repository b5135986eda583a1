"""Matching: rankings whose right answer is known, the published method, bounded queries, who may ask."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.areas.models import Area, Level
from gongzhi.orders.models import Category, Order, OrderEvent, State
from gongzhi.orgs import matching
from gongzhi.orgs.models import Organization, OrgStatus
from gongzhi.orgs.tests import _lists_factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def here(demo: None) -> f.Place:
    return f.place()


@pytest.fixture
def need(api: Any) -> Any:
    return f.need_poster(api)


def ranked(order: Order) -> list[matching.Match]:
    return matching.order_matches(f.admin(), order.pk, limit=50)[1]


def names(order: Order) -> list[str]:
    return [m.org.name for m in ranked(order)]


# ---- known answers ---------------------------------------------------------------------------------


def test_area_mismatch_is_excluded_and_wider_service_ranks_lower(here: f.Place) -> None:
    local = f.org(here.c1, name="本社区组织")
    street = f.org(here.street, name="全街道组织")
    f.org(here.c2, name="隔壁社区组织")
    for o in (local, street):
        f.offer(o, "elderly_care")
    need = f.order(here.g1)
    assert names(need) == ["本社区组织", "全街道组织"]
    matches = ranked(need)
    assert matches[0].component("area").score == 1.0 and matches[1].component("area").score == 0.8
    assert matches[0].reason.startswith("服务甲社区；") and matches[1].reason.startswith("服务测试街道；")


def test_category_fit_beats_family_fit_beats_no_fit(here: f.Place) -> None:
    none = f.org(here.c1, name="无对应服务")
    family = f.org(here.c1, name="同大类服务")
    exact = f.org(here.c1, name="对口服务")
    f.offer(none, "legal")
    f.offer(family, "elderly")  # the parent of elderly_care
    f.offer(exact, "elderly_care")
    need = f.order(here.c1)
    assert names(need) == ["对口服务", "同大类服务", "无对应服务"]
    fits = {m.org.name: m.component("category").data["fit"] for m in ranked(need)}
    assert fits == {"对口服务": "exact", "同大类服务": "family", "无对应服务": "none"}


def test_a_sub_category_offer_fits_a_general_need(here: f.Place) -> None:
    specific = f.org(here.c1)
    f.offer(specific, "elderly_meal")
    need = f.order(here.c1, "elderly")
    assert ranked(need)[0].component("category").data["fit"] == "family"


def test_an_offer_limited_to_another_area_does_not_fit(here: f.Place) -> None:
    o = f.org(here.street)
    f.offer(o, "elderly_care", area=here.c2)
    [match] = ranked(f.order(here.c1))
    assert match.component("category").data["fit"] == "none"


def test_fifty_ratings_at_4_8_beat_one_rating_at_5(here: f.Place) -> None:
    many, one = f.org(here.c1, name="五十条评价"), f.org(here.c1, name="一条评价")
    for o in (many, one):
        f.offer(o, "elderly_care")
    f.rate(f.history(many, here.c1, 50), [5] * 40 + [4] * 10)
    f.rate(f.history(one, here.c1, 50), [5])
    matches = ranked(f.order(here.c1))
    assert [m.org.name for m in matches] == ["五十条评价", "一条评价"]
    rating = {m.org.name: m.component("rating").data for m in matches}
    assert rating["一条评价"]["mean"] == 5.0 and rating["五十条评价"]["mean"] == 4.8
    assert rating["五十条评价"]["smoothed"] == pytest.approx((10 * 4.0 + 240) / 60, abs=0.001)
    assert rating["一条评价"]["smoothed"] == pytest.approx((10 * 4.0 + 5) / 11, abs=0.001)
    # Everything else is equal: the rating alone decides.
    a, b = matches
    assert [c.points for c in a.components if c.code != "rating"] == [
        c.points for c in b.components if c.code != "rating"
    ]


def test_full_capacity_ranks_lower(here: f.Place) -> None:
    full, free = f.org(here.c1, name="本月已满"), f.org(here.c1, name="本月有余量")
    for o in (full, free):
        f.offer(o, "elderly_care", capacity=10)
    now = timezone.now()
    last_month = matching.month_start(now) - timedelta(days=1)
    f.history(full, here.c1, 10, state=State.ACCEPTED, accepted_at=now, complete_by=now + timedelta(days=30))
    f.history(free, here.c1, 10, state=State.ACCEPTED, accepted_at=last_month, complete_by=now + timedelta(days=30))
    matches = ranked(f.order(here.c1))
    assert [m.org.name for m in matches] == ["本月有余量", "本月已满"]
    by_name = {m.org.name: m for m in matches}
    assert by_name["本月已满"].component("capacity").data == {"capacity": 10, "used": 10, "remaining": 0}
    assert by_name["本月已满"].component("capacity").score == 0
    assert by_name["本月有余量"].component("capacity").score == 1
    assert "本月已满" in by_name["本月已满"].reason


def test_orders_of_a_sub_category_use_the_parent_offers_capacity(here: f.Place) -> None:
    o = f.org(here.c1)
    f.offer(o, "elderly", capacity=4)
    now = timezone.now()
    f.history(
        o, here.c1, 3, code="elderly_meal", state=State.ACCEPTED, accepted_at=now, complete_by=now + timedelta(days=30)
    )
    f.history(o, here.c1, 2, code="legal", state=State.ACCEPTED, accepted_at=now, complete_by=now + timedelta(days=30))
    [match] = ranked(f.order(here.c1, "elderly_care"))
    assert match.component("capacity").data == {"capacity": 4, "used": 3, "remaining": 1}


def test_ties_go_to_the_organization_registered_first(here: f.Place) -> None:
    first, second = f.org(here.c1, name="先入驻"), f.org(here.c1, name="后入驻")
    for o in (second, first):
        f.offer(o, "elderly_care")
    matches = ranked(f.order(here.c1))
    assert matches[0].total == matches[1].total
    assert [m.org.name for m in matches] == ["先入驻", "后入驻"]


def test_tie_rule_prefers_more_completed_orders_of_the_family_before_the_id() -> None:
    component = matching.Component("area", "服务区域", 20, 1.0, "", {})
    orgs = [Organization(pk=pk, name=str(pk)) for pk in (1, 2, 3)]
    matches = [
        matching.Match(orgs[0], Order(), [component], "", family_done=1),
        matching.Match(orgs[1], Order(), [component], "", family_done=5),
        matching.Match(orgs[2], Order(), [component], "", family_done=5),
    ]
    assert [m.org.pk for m in matching.rank(matches)] == [2, 3, 1]


@pytest.mark.parametrize(
    "status", [OrgStatus.SUSPENDED, OrgStatus.ABNORMAL, OrgStatus.DEREGISTERED, OrgStatus.INCUBATING]
)
def test_organizations_not_in_good_standing_are_never_matched(here: f.Place, status: str) -> None:
    f.offer(f.org(here.c1, status=status, name="状态异常"), "elderly_care")
    f.offer(f.org(here.c1, name="正常"), "legal")
    assert names(f.order(here.c1)) == ["正常"]


def test_an_organization_that_declined_the_order_is_left_out(here: f.Place) -> None:
    declined, other = f.org(here.c1, name="拒过此单"), f.org(here.c1, name="其他")
    need = f.order(here.c1, state=State.REJECTED, channel="dispatch")
    OrderEvent.objects.create(
        order=need,
        action="rejected",
        from_state="pending",
        to_state="rejected",
        data={"org": declined.pk},
        at=timezone.now(),
    )
    assert names(need) == ["其他"]
    # Only this order: for another need both are ranked, the one that declines dispatches lower.
    assert names(f.order(here.c1)) == ["其他", "拒过此单"]
    assert matching.load_facts([declined, other])[declined.pk].declined == 1


def test_the_reason_reads_like_the_issue(here: f.Place) -> None:
    o = f.org(here.c1)
    f.offer(o, "elderly_care", capacity=100)
    f.rate(f.history(o, here.c1, 37), [5] * 30 + [4] * 6 + [2])
    [match] = ranked(f.order(here.g1))
    assert match.reason == "服务甲社区；养老服务类已完成 37 单；好评率 97%"
    record = match.component("record").data
    assert (record["family"], record["family_done"], record["done"], record["declined"]) == ("养老服务", 37, 37, 0)


def test_overdue_orders_in_hand_lower_reliability(here: f.Place) -> None:
    late, punctual = f.org(here.c1, name="有超期"), f.org(here.c1, name="无超期")
    past = timezone.now() - timedelta(days=20)
    f.history(late, here.c1, 3, state=State.ACCEPTED, accepted_at=past, complete_by=past + timedelta(days=1))
    f.history(
        punctual, here.c1, 3, state=State.ACCEPTED, accepted_at=past, complete_by=timezone.now() + timedelta(days=9)
    )
    matches = ranked(f.order(here.c1))
    assert [m.org.name for m in matches] == ["无超期", "有超期"]
    assert matches[1].component("record").data["overdue"] == 3


def test_components_add_up_and_the_method_is_published(here: f.Place) -> None:
    f.offer(f.org(here.c1), "elderly_care", capacity=5)
    _order, found = matching.order_matches(f.admin(), f.order(here.c1).pk)
    [m] = found
    assert m.total == sum(c.points for c in m.components)
    assert {c.code: c.weight for c in m.components} == matching.WEIGHTS
    assert sum(matching.WEIGHTS.values()) == 100
    method = matching.method()
    assert method["rating_prior"] == {"count": 10, "mean": 4.0} and "组织编号" in method["tie_rule"]


def test_queries_do_not_grow_with_the_number_of_organizations(here: f.Place) -> None:
    need = f.order(here.c1)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            matching.order_matches(f.admin(), need.pk)
        return len(ctx.captured_queries)

    o = f.org(here.c1)
    f.offer(o, "elderly_care")
    f.rate(f.history(o, here.c1, 2), [5, 4])
    count()  # warm: category and grant caches
    few = count()
    for _i in range(8):
        o = f.org(here.c1)
        f.offer(o, "elderly_care")
        f.offer(o, "elderly_meal")
        f.rate(f.history(o, here.c1, 3), [5, 4, 3])
    assert count() == few
    assert few <= 12


# ---- the pure score --------------------------------------------------------------------------------


def _tree() -> matching.CategoryTree:
    parent = Category(pk=1, code="elderly", name="养老服务")
    child = Category(pk=2, code="elderly_care", name="居家照料", parent_id=1)
    other = Category(pk=3, code="legal", name="法律援助")
    return matching.CategoryTree({c.pk: c for c in (parent, child, other)}, {c.code: c for c in (parent, child, other)})


PLACE = Area(pk=1, code="x", level=Level.COMMUNITY, path="33/x/", name="某社区")


def _facts(
    stars: list[int], *, capacity: int = 10, used: int = 0, done: int = 0, declined: int = 0, overdue: int = 0
) -> matching.OrgFacts:
    facts = matching.OrgFacts(Organization(pk=7, name="组织"))
    facts.served = [matching.Served("33/", Level.DISTRICT, "某区")]
    facts.offers = [matching.OfferFact("elderly_care", None, capacity, "照料")]
    facts.by_category = {2: matching.Tally(taken=done + used, done=done, this_month=used)}
    facts.stars, facts.declined, facts.overdue = list(stars), declined, overdue
    return facts


def _score(facts: matching.OrgFacts) -> matching.Match:
    match = matching.score(Order(category_id=2, area=PLACE), facts, _tree())
    assert match is not None
    return match


star_counts = st.lists(st.integers(0, 60), min_size=5, max_size=5)


@settings(max_examples=60, deadline=None)
@given(
    stars=star_counts,
    used=st.integers(0, 30),
    done=st.integers(0, 80),
    declined=st.integers(0, 20),
    overdue=st.integers(0, 20),
)
def test_every_score_is_between_0_and_100(stars: list[int], used: int, done: int, declined: int, overdue: int) -> None:
    match = _score(_facts(stars, used=used, done=done, declined=declined, overdue=overdue))
    assert Decimal(0) <= match.total <= Decimal(100)
    assert all(0 <= c.score <= 1 for c in match.components)


@settings(max_examples=60, deadline=None)
@given(stars=star_counts)
def test_a_five_star_rating_never_lowers_and_a_one_star_never_raises_the_score(stars: list[int]) -> None:
    before = _score(_facts(stars)).component("rating").score
    assert _score(_facts([*stars[:4], stars[4] + 1])).component("rating").score >= before
    assert _score(_facts([stars[0] + 1, *stars[1:]])).component("rating").score <= before


@settings(max_examples=40, deadline=None)
@given(used=st.integers(0, 20), more=st.integers(1, 5))
def test_using_capacity_never_raises_the_capacity_score(used: int, more: int) -> None:
    assert (
        _score(_facts([0] * 5, used=used + more)).component("capacity").score
        <= _score(_facts([0] * 5, used=used)).component("capacity").score
    )


@settings(max_examples=60, deadline=None)
@given(n=st.integers(50, 300), data=st.data())
def test_one_five_star_rating_never_beats_fifty_or_more_averaging_4_5_or_better(n: int, data: Any) -> None:
    fives = data.draw(st.integers(n // 2 + n % 2, n))  # the rest are fours: a mean of at least 4.5
    lone = _score(_facts([0, 0, 0, 0, 1])).component("rating").score
    many = _score(_facts([0, 0, 0, n - fives, fives])).component("rating").score
    assert many > lone


# ---- who may ask -------------------------------------------------------------------------------


@pytest.fixture
def xp_need(need: Any) -> dict[str, Any]:
    return need()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("community_xp", 200),
        ("street_dg", 200),
        ("mzj", 200),
        ("admin", 200),
        ("grid_xp1", 403),  # sees the order (their grid) but does not dispatch
        ("resident_a", 403),  # the requester
        ("org_a", 403),  # sees it in the hall
        ("resident_b", 404),
        ("dept_wj", 404),
        ("expert_a", 404),
    ],
)
def test_who_may_see_the_matches_of_an_order(api: Any, xp_need: dict[str, Any], username: str, status: int) -> None:
    response = api(username).get(f"orders/{xp_need['id']}/matches")
    assert response.status_code == status, response.content.decode()


def test_matches_of_an_unknown_order_and_without_a_token(api: Any, xp_need: dict[str, Any]) -> None:
    assert api("community_xp").get("orders/99999999/matches").status_code == 404
    assert api(None).get(f"orders/{xp_need['id']}/matches").status_code == 401


def test_the_department_that_dispatched_an_order_may_see_its_matches(api: Any) -> None:
    body = {
        "category": "elderly_care",
        "title": "卫健局派单",
        "description": "为高龄老人上门体检后的照料",
        "community": "330903003005",
        "org": Organization.objects.get(name="东港街道兴普社区邻里互助会").pk,
    }
    created = api("dept_wj").post("orders", body)
    assert created.status_code == 201, created.content.decode()
    assert api("dept_wj").get(f"orders/{created.json()['id']}/matches").status_code == 200


def test_the_api_answers_with_reasons_and_components(api: Any, xp_need: dict[str, Any]) -> None:
    data = api("community_xp").get(f"orders/{xp_need['id']}/matches", limit=3).json()
    assert data["order"] == xp_need["id"] and data["category"] == "居家照料"
    assert data["method"]["weights"] == matching.WEIGHTS and data["method"]["tie_rule"]
    assert 1 <= len(data["results"]) <= 3
    first = data["results"][0]
    # 海韵 offers 居家养老上门服务 (elderly_care) in 东港街道: the demo's obvious answer.
    assert first["org"]["name"] == "舟山市普陀区海韵社会工作服务中心"
    assert first["rank"] == 1 and first["reason"].startswith("服务东港街道")
    assert [c["code"] for c in first["components"]] == ["category", "area", "capacity", "record", "rating"]
    assert first["score"] == pytest.approx(sum(c["points"] for c in first["components"]), abs=0.01)
    listed = {r["org"]["name"] for r in data["results"]}
    assert "舟山市普陀区心理健康促进会" not in listed  # on the abnormal list
    assert api("community_xp").get(f"orders/{xp_need['id']}/matches", limit=0).status_code == 422


def test_preview_for_the_dispatch_form(api: Any) -> None:
    ok = api("community_xp").get("lists/matches", category="elderly_meal", area="330903003005")
    assert ok.status_code == 200
    assert ok.json()["order"] is None and ok.json()["results"]
    assert api("community_xp").get("lists/matches", category="elderly_meal", area="330903003008").status_code == 404
    assert api("resident_a").get("lists/matches", category="elderly_meal", area="330903003005").status_code == 404
    assert api("community_xp").get("lists/matches", category="nonsense", area="330903003005").status_code == 404
    assert api("grid_xp1").get("lists/matches", category="elderly_meal", area="330903003005-001").status_code == 404
    assert api("street_dg").get("lists/matches", category="elderly_meal", area="330903003008-001").status_code == 200


# ---- suggested needs for organizations -------------------------------------------------------


def test_suggested_needs_rank_the_hall_by_fit(api: Any, need: Any) -> None:
    fits = need(category="elderly_meal", title="送餐上门")  # 邻里互助会 offers 代购代办与送餐 (elderly_meal)
    other = need(category="legal", title="法律咨询")
    data = api("org_b").get("lists/suggested-needs").json()
    ids = [s["order"] for s in data]
    assert ids.index(fits["id"]) < ids.index(other["id"])
    top = next(s for s in data if s["order"] == fits["id"])
    assert top["match"]["components"][0]["data"]["fit"] == "exact"
    assert "联系" not in str(data) and "兴普社区3号楼201室" not in str(data)


def test_suggested_needs_for_whoever_has_no_organization(api: Any) -> None:
    assert api("resident_a").get("lists/suggested-needs").status_code == 404
    assert api("community_xp").get("lists/suggested-needs").status_code == 404
    assert api(None).get("lists/suggested-needs").status_code == 401


def test_a_claimed_need_leaves_the_suggestions(api: Any, need: Any) -> None:
    n = need(category="elderly_meal")
    assert api("org_b").post(f"orders/{n['id']}/claim").status_code == 200
    assert n["id"] not in [s["order"] for s in api("org_b").get("lists/suggested-needs").json()]


def test_the_workspace_panel_loads_the_suggestions(web: Any, need: Any) -> None:
    need(category="elderly_meal", title="送餐上门服务")
    page = web("org_b").get("/workspace/").content.decode()
    assert 'data-testid="panel-suggested"' in page and 'hx-get="/lists/suggested/"' in page
    fragment = web("org_b").get("/lists/suggested/", headers={"HX-Request": "true"}).content.decode()
    assert "送餐上门服务" in fragment and "<html" not in fragment
    assert 'data-testid="panel-suggested"' not in web("resident_a").get("/workspace/").content.decode()
    assert web("resident_a").get("/lists/suggested/", headers={"HX-Request": "true"}).status_code == 404


def test_suggestion_page(web: Any, need: Any) -> None:
    need(category="elderly_meal", title="送餐上门服务")
    assert "送餐上门服务" in web("org_b").get("/lists/suggested/").content.decode()
    assert web("resident_a").get("/lists/suggested/").status_code == 404
    assert web(None).get("/lists/suggested/").status_code == 302


# ---- the web fragments for dispatching ---------------------------------------------------------


def test_order_matches_fragment(web: Any, xp_need: dict[str, Any]) -> None:
    url = f"/lists/matches/{xp_need['id']}/"
    response = web("community_xp").get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="match-list"' in body and "<html" not in body and 'name="target"' in body
    assert web("community_xp").get(url).content.decode().count("<html") == 1
    assert web("grid_xp1").get(url).status_code == 403
    assert web("resident_b").get(url).status_code == 404
    assert web(None).get(url).status_code == 302


def test_preview_fragment(web: Any) -> None:
    url = "/lists/matches/preview/?category=elderly_care&area=330903003005"
    body = web("community_xp").get(url, headers={"HX-Request": "true"}).content.decode()
    assert "舟山市普陀区海韵社会工作服务中心" in body and 'name="target"' not in body
    assert web("resident_a").get(url).status_code == 404
    assert web(None).get(url).status_code == 302


def test_preview_asks_for_what_is_missing(web: Any) -> None:
    url = "/lists/matches/preview/?category=elderly_care&area="
    hint = web("community_xp").get(url, headers={"HX-Request": "true"})
    assert hint.status_code == 200  # HTMX swaps only 2xx: the hint replaces a ranking for the old choice
    assert "先选择服务类别和社区/网格" in hint.content.decode() and 'data-testid="match"' not in hint.content.decode()
    assert web("community_xp").get(url).status_code == 422
    assert web("resident_a").get(url, headers={"HX-Request": "true"}).status_code == 404
    assert web("org_a").get(url, headers={"HX-Request": "true"}).status_code == 404


def test_dispatch_page_and_order_page_load_the_ranking(web: Any, xp_need: dict[str, Any]) -> None:
    form = web("community_xp").get("/orders/dispatch/").content.decode()
    assert 'data-testid="match-preview"' in form and "/lists/matches/preview/" in form
    page = web("community_xp").get(f"/orders/{xp_need['id']}/").content.decode()
    assert 'data-testid="matches-slot"' in page and f"/lists/matches/{xp_need['id']}/" in page
    # Who may not reassign the order gets no ranking on its page.
    for who in ("resident_a", "org_a"):
        answer = web(who).get(f"/orders/{xp_need['id']}/")
        assert answer.status_code == 200 and 'data-testid="matches-slot"' not in answer.content.decode()


def test_dispatching_from_the_ranking_assigns_the_order(web: Any, xp_need: dict[str, Any]) -> None:
    fragment = web("community_xp").get(f"/lists/matches/{xp_need['id']}/", headers={"HX-Request": "true"})
    first = fragment.content.decode().split('data-org="')[1].split('"')[0]
    done = web("community_xp").post(f"/orders/{xp_need['id']}/reassign/", {"target": first, "note": "按匹配推荐派单"})
    assert done.status_code == 302
    order = Order.objects.get(pk=xp_need["id"])
    assert (order.state, order.org_id) == (State.PENDING, int(first))
    assert order.events.filter(action="reassigned").exists()


def test_matching_reads_orders_of_every_channel(here: f.Place) -> None:
    o = f.org(here.c1)
    f.offer(o, "elderly_care")
    f.history(o, here.c1, 2)
    assert Order.objects.filter(org=o).count() == 2
    [m] = ranked(f.order(here.c1, channel="proxy"))
    assert m.component("record").data["done"] == 2
