"""The four lists: their definitions, filters, exports, who sees what; offers tied to real categories;
and the public page's order figures and activity photos."""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.orders import services as order_services
from gongzhi.orders.models import Channel, Order, OrderPhoto, Scenario, State
from gongzhi.orgs import lists
from gongzhi.orgs.lists import NeedFilters, OfferFilters
from gongzhi.orgs.models import Department, Organization, OrgStatus, ServiceOffer
from gongzhi.orgs.tests import _lists_factories as f

pytestmark = pytest.mark.django_db
ORG_A = "舟山市普陀区海韵社会工作服务中心"
ORG_B = "东港街道兴普社区邻里互助会"
WK = "330903003008"


@pytest.fixture
def here(demo: None) -> f.Place:
    return f.place()


@pytest.fixture
def need(api: Any) -> Any:
    return f.need_poster(api)


def person(username: str) -> User:
    return User.objects.get(username=username)


def ids(kind: str, user: Any = None, **filters: Any) -> set[int]:
    return set(lists.need_list(user or f.admin(), kind, NeedFilters(**filters)).values_list("pk", flat=True))


# ---- definitions ---------------------------------------------------------------------------------


def test_the_three_need_lists_divide_every_order_between_them(here: f.Place) -> None:
    dept = Department.objects.get(name="区卫健局")
    made = {}
    for channel, scenario, by_dept in itertools.product(Channel.values, Scenario.values, (False, True)):
        made[(channel, scenario, by_dept)] = f.order(
            here.c1, channel=channel, scenario=scenario, dispatcher_department=dept if by_dept else None
        ).pk
    found = {kind: ids(kind, state="all", area=f.STREET) for kind in lists.NEED_KINDS}
    assert set().union(*found.values()) == set(made.values())
    assert sum(len(v) for v in found.values()) == len(made)  # no order in two lists
    for (channel, scenario, by_dept), pk in made.items():
        if scenario != Scenario.SPECIAL and (scenario == Scenario.COMMON or by_dept):
            expected = lists.PURCHASE
        elif channel in (Channel.DISPATCH, Channel.PROXY, Channel.PATROL):
            expected = lists.COMMUNITY
        else:
            expected = lists.RESIDENT
        assert pk in found[expected], (channel, scenario, by_dept)


def test_each_list_as_a_community_would_describe_it(here: f.Place) -> None:
    dept = Department.objects.get(name="区卫健局")
    dept_dispatch = f.order(here.c1, channel="dispatch", dispatcher_department=dept)
    common = f.order(here.c1, scenario="common")
    community_dispatch = f.order(here.c1, channel="dispatch")
    proxy = f.order(here.c1, channel="proxy")
    patrol = f.order(here.g1, channel="patrol")
    forwarded = f.order(
        here.c1, channel="dispatch", dispatcher_department=dept, scenario="special", state=State.FORWARDED
    )
    web = f.order(here.c1)
    hotline = f.order(here.c1, channel="hotline")
    assert ids(lists.PURCHASE, area=f.STREET) == {dept_dispatch.pk, common.pk}
    assert ids(lists.COMMUNITY, area=f.STREET) == {community_dispatch.pk, proxy.pk, patrol.pk, forwarded.pk}
    assert ids(lists.RESIDENT, area=f.STREET) == {web.pk, hotline.pk}


def test_filters(here: f.Place) -> None:
    now = timezone.now()
    care = f.order(here.g1, title="助浴服务")
    meal = f.order(here.c1, "elderly_meal")
    legal = f.order(here.c2, "legal")
    old = f.order(here.c1, created_at=now - timedelta(days=40))
    overdue = f.order(here.c1, accept_by=now - timedelta(hours=1))
    closed = f.order(here.c1, state=State.CLOSED)
    everything = {care.pk, meal.pk, legal.pk, old.pk, overdue.pk, closed.pk}
    assert ids(lists.RESIDENT, area=f.STREET) == everything - {closed.pk}  # open by default
    assert ids(lists.RESIDENT, area=f.STREET, state="all") == everything
    assert ids(lists.RESIDENT, area=f.STREET, state="done") == {closed.pk}
    assert ids(lists.RESIDENT, area=f.STREET, state="closed") == {closed.pk}
    assert ids(lists.RESIDENT, area=f.STREET, category="elderly") == everything - {legal.pk, closed.pk}
    assert ids(lists.RESIDENT, area=f.STREET, category="elderly_meal") == {meal.pk}
    assert ids(lists.RESIDENT, area=f.C2) == {legal.pk}
    assert ids(lists.RESIDENT, area=f.G1) == {care.pk}
    assert ids(lists.RESIDENT, area="no-such-area") == set()
    assert ids(lists.RESIDENT, area=f.STREET, q="助浴") == {care.pk}
    assert ids(lists.RESIDENT, area=f.STREET, overdue=True) == {overdue.pk}
    today = timezone.localdate()
    assert old.pk not in ids(lists.RESIDENT, area=f.STREET, date_from=today - timedelta(days=30))
    assert ids(lists.RESIDENT, area=f.STREET, date_to=today - timedelta(days=30)) == {old.pk}


# ---- who sees what ---------------------------------------------------------------------------------


def test_everyone_sees_only_what_the_chokepoint_allows(need: Any) -> None:
    xp = need()["id"]
    wk = f.order(Area.objects.get(code=WK)).pk
    taken = need(title="已被接单")["id"]
    order_services.order_claim(actor=person("org_a"), order_id=taken)
    assert {xp, taken} <= ids(lists.RESIDENT, person("community_xp")) and wk not in ids(
        lists.RESIDENT, person("community_xp")
    )
    assert {xp, wk, taken} <= ids(lists.RESIDENT, person("street_dg"))
    org_b_sees = ids(lists.RESIDENT, person("org_b"))
    assert xp in org_b_sees and wk in org_b_sees and taken not in org_b_sees  # the hall, not org_a's work
    assert taken in ids(lists.RESIDENT, person("org_a"))
    assert not ids(lists.RESIDENT, person("dept_wj")) & {xp, wk, taken}


@pytest.mark.parametrize("path", ["lists/purchase-needs", "lists/community-needs", "lists/resident-needs"])
def test_need_lists_refuse_outsiders(api: Any, path: str) -> None:
    assert api(None).get(path).status_code == 401
    assert api("resident_a").get(path).status_code == 404
    assert api("expert_a").get(path).status_code == 404
    assert api("resident_a").get(path, format="xlsx").status_code == 404
    assert api("community_xp").get(path).status_code == 200


@pytest.mark.parametrize("kind", lists.NEED_KINDS)
def test_need_pages_refuse_outsiders(web: Any, kind: str) -> None:
    url = f"/lists/needs/{kind}/"
    assert web(None).get(url).status_code == 302
    assert web("resident_a").get(url).status_code == 404
    assert web("resident_a").get(url + "?format=csv").status_code == 404
    assert web("org_b").get(url).status_code == 200


def test_unknown_list_is_404(web: Any) -> None:
    assert web("community_xp").get("/lists/needs/offers/").status_code == 404
    assert web("community_xp").get("/lists/needs/nonsense/").status_code == 404


def test_the_lists_show_no_personal_data(api: Any, need: Any) -> None:
    n = need(address="兴普社区3号楼201室", contact_name="张阿姨", contact_phone="13957204186")
    answer = api("community_xp").get("lists/resident-needs")
    assert answer.status_code == 200
    rows = answer.json()["items"]
    assert n["id"] in [r["id"] for r in rows]
    # Ids are dropped: on PostgreSQL the sequences keep counting across tests, so an id may hold any digits.
    text = json.dumps([{k: v for k, v in r.items() if k != "id"} for r in rows], ensure_ascii=False)
    # The phone's head and tail, not "13": a time such as 13:21 would match that by chance.
    for secret in ("张阿姨", "3号楼201室", "腿脚不便", "13957204186", "1395", "4186"):
        assert secret not in text
    export = api("community_xp").get("lists/resident-needs", format="csv").content.decode("utf-8-sig")
    for secret in ("张阿姨", "3号楼201室", "腿脚不便", "13957204186"):
        assert secret not in export


# ---- the API and the exports -------------------------------------------------------------------------


def test_api_page_and_definition(api: Any, need: Any) -> None:
    for _i in range(3):
        need()
    data = api("community_xp").get("lists/resident-needs", limit=2).json()
    assert data["kind"] == "resident" and data["title"] == "居民需求" and "居民" in data["definition"]
    assert data["count"] >= 3 and len(data["items"]) == 2
    row = data["items"][0]
    assert row["category"] == "居家照料" and row["family"] == "养老服务" and row["community"]
    assert api("community_xp").get("lists/resident-needs", limit=0).status_code == 422
    assert api("community_xp").get("lists/resident-needs", format="pdf").status_code == 422
    assert api("community_xp").get("lists/resident-needs", date_from="yesterday").status_code == 422


def test_xlsx_export_has_the_page_columns_and_only_visible_rows(api: Any, need: Any, here: f.Place) -> None:
    mine = need(title="兴普的需求")["id"]
    f.order(here.c1, title="别处的需求")
    response = api("community_xp").get("lists/resident-needs", format="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "居民需求" and "筛选条件" in rows[1][0]
    assert list(rows[2]) == [str(c.label) for c in lists.NEED_COLUMNS]
    titles = [r[1] for r in rows[3:]]
    assert "兴普的需求" in titles and "别处的需求" not in titles
    assert Order.objects.get(pk=mine).number in [r[0] for r in rows[3:]]


def test_csv_export_follows_the_filters(api: Any, need: Any) -> None:
    need(category="elderly_meal", title="送餐")
    need(category="legal", title="法律")
    body = api("community_xp").get("lists/resident-needs", format="csv", category="legal").content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [str(c.label) for c in lists.NEED_COLUMNS]
    assert {r[1] for r in rows[1:]} == {"法律"}


def test_web_list_page_filters_and_exports(web: Any, need: Any) -> None:
    need(title="网页列表中的需求")
    client = web("community_xp")
    page = client.get("/lists/needs/resident/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "网页列表中的需求" in html and 'data-testid="tab-offers"' in html and "<html" in html
    partial = client.get("/lists/needs/resident/?category=legal", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "网页列表中的需求" not in partial
    bad = client.get("/lists/needs/resident/?date_from=31-01-2026&state=nonsense")
    assert bad.status_code == 200 and "格式应为" in bad.content.decode()
    xlsx = client.get("/lists/needs/resident/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/lists/").status_code == 302


def test_list_queries_do_not_grow_with_rows(api: Any, here: f.Place) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api("admin").get("lists/resident-needs", area=f.STREET, limit=100).status_code == 200
        return len(ctx.captured_queries)

    f.order(here.c1)
    count()  # the first call of a client also records its token's use
    few = count()
    for _i in range(15):
        f.order(here.g1, "elderly_meal", org=Organization.objects.get(name=ORG_A), state=State.ACCEPTED)
    assert count() == few


def test_navigation_shows_the_lists_to_those_who_use_them(web: Any) -> None:
    assert "四张清单" in web("community_xp").get("/workspace/").content.decode()
    assert "四张清单" not in web("resident_a").get("/workspace/").content.decode()


# ---- the supply list ---------------------------------------------------------------------------------


def offer_titles(user: Any = None, **filters: Any) -> set[str]:
    return {o.title for o in lists.offer_list(user, OfferFilters(**filters))}


def test_offer_list_is_public_and_filters(demo: None) -> None:
    everything = offer_titles()
    assert {"居家养老上门服务", "邻里陪伴探访", "高龄老人结对探访"} <= everything
    assert offer_titles(category="elderly") >= {"居家养老上门服务", "邻里陪伴探访", "老年助餐配送"}
    assert "个案心理疏导" not in offer_titles(category="elderly")
    wk = offer_titles(area=WK)
    assert "高龄老人结对探访" in wk  # offered in 文康
    assert "居家养老上门服务" in wk  # offered in the whole street
    assert "个案心理疏导" in wk  # no area of its own: where 海韵 serves (the street)
    assert "邻里陪伴探访" not in wk  # 兴普 only
    free = offer_titles(free=True)
    assert "个案心理疏导" not in free and "老年助餐配送" not in free and "居家养老上门服务" in free
    assert offer_titles(q="助浴") == {"居家养老上门服务"}


def test_offer_list_leaves_out_inactive_offers_and_deregistered_organizations(here: f.Place) -> None:
    gone = f.org(here.c1, status=OrgStatus.DEREGISTERED)
    f.offer(gone, "legal", title="已注销组织的服务")
    f.offer(f.org(here.c1), "legal", title="已下架的服务", active=False)
    f.offer(f.org(here.c1), "legal", title="在架的服务")
    titles = offer_titles(area=f.C1)
    assert "在架的服务" in titles and "已注销组织的服务" not in titles and "已下架的服务" not in titles


def test_offer_api_and_page_for_anonymous_visitors(api: Any, web: Any) -> None:
    data = api(None).get("lists/offers", category="elderly_care").json()
    assert data["count"] >= 1
    row = next(r for r in data["items"] if r["title"] == "居家养老上门服务")
    assert row["org"] == ORG_A and row["category"] == "居家照料" and row["price"] == "免费" and row["capacity"] == 40
    csv_body = api(None).get("lists/offers", format="csv").content.decode("utf-8-sig")
    assert "居家养老上门服务" in csv_body
    page = web(None).get("/lists/offers/")
    assert page.status_code == 200 and "居家养老上门服务" in page.content.decode()
    assert 'data-testid="tab-resident"' not in page.content.decode()
    assert web(None).get("/lists/").status_code == 302


# ---- the catalogue names real categories ----------------------------------------------------------


def test_an_offer_must_name_an_existing_category(api: Any) -> None:
    org_a = Organization.objects.get(name=ORG_A).pk
    bad = api("org_a").post(f"orgs/{org_a}/offers", {"category_code": "elderly_cares", "title": "错的类别"})
    assert bad.status_code == 422
    message = bad.json()["errors"]["category_code"][0]
    assert "elderly_cares" in message and "elderly" in message
    assert (
        api("org_b").post(f"orgs/{org_a}/offers", {"category_code": "elderly_cares", "title": "越权"}).status_code
        == 404
    )
    good = api("org_a").post(f"orgs/{org_a}/offers", {"category_code": "legal", "title": "法律咨询"})
    assert good.status_code == 201
    changed = api("org_a").client.patch(
        f"/api/v1/orgs/offers/{good.json()['id']}", {"category_code": "nope"}, content_type="application/json"
    )
    assert changed.status_code == 422
    assert ServiceOffer.objects.get(pk=good.json()["id"]).category_code == "legal"


# ---- the public page: order figures and activity photos -----------------------------------------


def test_public_figures_count_completed_orders_and_smooth_the_rating(api: Any, web: Any, here: f.Place) -> None:
    o = f.org(here.c1, name="公开数据测试组织")
    f.rate(f.history(o, here.c1, 3), [5, 5, 4])
    f.history(o, here.c1, 2, state=State.ACCEPTED)
    figures = api(None).get(f"orgs/{o.pk}").json()["figures"]
    assert figures["orders_completed"] == 3 and figures["rating_count"] == 3
    assert figures["rating_average"] == pytest.approx(round((10 * 4.0 + 14) / 13, 2))
    assert figures["praise_rate"] == 100 and figures["rating_prior_count"] == 10
    page = web(None).get(f"/orgs/{o.pk}/").content.decode()
    assert 'data-testid="orders-completed"' in page and "4.15" in page and "3 条评价" in page


def test_the_public_rule_shows_done_services_of_public_organizations_only(need: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    from gongzhi.accounts.permissions import restrict

    done = _completed_by_org_a(need)
    waiting = need(title="还在等待")["id"]
    for who in (AnonymousUser(), person("resident_b")):
        public = set(restrict(Order.objects.all(), who, "public").values_list("pk", flat=True))
        assert done.pk in public and waiting not in public
        assert not restrict(Order.objects.filter(pk=done.pk), who, "view").exists()  # the order itself stays private
        assert restrict(OrderPhoto.objects.filter(order=done), who, "public").count() == 1
    Organization.objects.filter(pk=done.org_id).update(status=OrgStatus.DEREGISTERED)
    assert not restrict(Order.objects.filter(pk=done.pk), AnonymousUser(), "public").exists()
    assert restrict(Order.objects.filter(pk=done.pk), person("org_a"), "public").exists()  # its own people still do


def _completed_by_org_a(need: Any, **fields: Any) -> Order:
    """A completed service whose photo may be shown: the requester agreed and org_a marked it suitable."""
    n = need(**fields)
    order_services.order_claim(actor=person("org_a"), order_id=n["id"])
    order_services.order_complete(
        actor=person("org_a"), order_id=n["id"], description="已上门完成服务，居民满意。", photos=[f.jpeg()]
    )
    order_services.order_photos_consent(actor=person("resident_a"), order_id=n["id"], consent=True)
    photo = OrderPhoto.objects.get(order_id=n["id"])
    order_services.order_photo_mark_public(actor=person("org_a"), order_id=n["id"], photo_id=photo.pk, suitable=True)
    return Order.objects.get(pk=n["id"])


def test_activity_photos_show_category_and_month_only(web: Any, need: Any) -> None:
    order = _completed_by_org_a(need, title="张阿姨家的助浴", address="兴普社区3号楼201室")
    org = order.org
    photo = order.photos.get()
    gallery = web(None).get(f"/orgs/{org.pk}/photos/").content.decode()
    assert f"/orgs/{org.pk}/photos/{photo.pk}/" in gallery
    assert "居家照料" in gallery and timezone.localtime(order.completed_at).strftime("%Y-%m") in gallery
    for secret in ("张阿姨", "助浴", "3号楼", "腿脚不便"):
        assert secret not in gallery
    image = web(None).get(f"/orgs/{org.pk}/photos/{photo.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(b"".join(image.streaming_content)))
    assert picture.format == "JPEG" and not picture.getexif() and max(picture.size) <= 480
    assert 'hx-get="/orgs/' in web(None).get(f"/orgs/{org.pk}/").content.decode()


def test_photos_leave_the_public_page_when_the_order_is_reopened(web: Any, need: Any) -> None:
    order = _completed_by_org_a(need)
    photo = order.photos.get()
    order_services.order_reopen(actor=person("resident_a"), order_id=order.pk, reason="还没有洗完")
    assert web(None).get(f"/orgs/{order.org_id}/photos/{photo.pk}/").status_code == 404
    assert f"/photos/{photo.pk}/" not in web(None).get(f"/orgs/{order.org_id}/photos/").content.decode()


def test_a_photo_is_served_only_under_its_own_organization(web: Any, need: Any) -> None:
    order = _completed_by_org_a(need)
    photo = order.photos.get()
    org_b = Organization.objects.get(name=ORG_B)
    assert web(None).get(f"/orgs/{org_b.pk}/photos/{photo.pk}/").status_code == 404
    assert web(None).get(f"/orgs/{order.org_id}/photos/99999999/").status_code == 404


def test_an_organization_not_in_the_directory_shows_no_photos(web: Any, need: Any) -> None:
    order = _completed_by_org_a(need)
    photo = order.photos.get()
    Organization.objects.filter(pk=order.org_id).update(status=OrgStatus.DEREGISTERED)
    assert web(None).get(f"/orgs/{order.org_id}/photos/{photo.pk}/").status_code == 404
    assert web(None).get(f"/orgs/{order.org_id}/photos/").status_code == 404
    incubating = Organization.objects.get(status=OrgStatus.INCUBATING)
    assert web(None).get(f"/orgs/{incubating.pk}/photos/").status_code == 404


@pytest.mark.parametrize("path", ["lists/resident-needs", "lists/offers", "lists/purchase-needs"])
def test_an_export_searched_with_control_characters_still_downloads(api: Any, path: str) -> None:
    """Found by schemathesis: a search term with a control character made the Excel export a 500."""
    answer = api("community_xp").get(path, format="xlsx", q="买菜\x13\x05")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert "关键词：买菜" in sheet["A2"].value and "\x13" not in sheet["A2"].value


def test_a_blank_home_area_is_treated_as_not_given(api: Any) -> None:
    """Found by schemathesis: a home area of only a control character was a 500, not a clear answer."""
    answer = api("street_dg").post(
        "orgs/incubations",
        {
            "name": "测试培育组织",
            "incubator": "东港街道孵化基地",
            "incubation_start": "2026-11-16",
            "home_area": "\u001f",
        },
    )
    assert answer.status_code == 422, answer.content.decode()
    assert answer.json()["errors"]["home_area"] == ["请选择登记或备案所在的区域"]
