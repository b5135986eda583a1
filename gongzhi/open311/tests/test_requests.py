"""GET requests and GET requests/{id}: filters, status, what is published and what never is."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.open311.models import ApiKey, Submission
from gongzhi.open311.tests.helpers import claim, complete, forward_to_health, person
from gongzhi.orders import services as orders
from gongzhi.orders.models import Order

PLUS_0800 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content.decode()
    return [r["service_request_id"] for r in response.json()]


def shown(o311, request_id, **params) -> dict:
    as_json, _xml = o311.both(f"requests/{request_id}", **params)
    assert as_json.status_code == 200, as_json.content.decode()
    return as_json.json()[0]


def age(request_id: str, days: float) -> None:
    """Move a request's submission time into the past."""
    moment = timezone.now() - timedelta(days=days)
    Order.objects.filter(pk=int(request_id)).update(created_at=moment)
    Submission.objects.filter(order_id=int(request_id)).update(created_at=moment)


def test_newest_first_and_id_list_overrides_every_other_filter(o311, post_request):
    a, b, c = (post_request()["service_request_id"] for _ in range(3))
    assert ids(o311.get("requests.json")) == [c, b, a]
    age(a, 200)
    assert ids(o311.get("requests.json")) == [c, b]
    # service_request_id overrides the rest: the old one is found, the other filters are ignored.
    assert set(
        ids(
            o311.get(
                "requests.json",
                service_request_id=f"{a}, {c}",
                status="closed",
                service_code="legal",
                start_date="2020-01-01",
            )
        )
    ) == {a, c}


def test_service_code_filter(o311, post_request):
    repair = post_request()["service_request_id"]
    care = post_request(service_code="elderly_care", **{"attribute[where]": None, "attribute[living_alone]": "no"})[
        "service_request_id"
    ]
    assert ids(o311.get("requests.json", service_code="elderly_care")) == [care]
    assert set(ids(o311.get("requests.json", service_code="elderly_care,property_repair"))) == {care, repair}
    assert ids(o311.get("requests.json", service_code="legal")) == []


def test_date_window_defaults_to_90_days(o311, post_request):
    recent, older, oldest = (post_request()["service_request_id"] for _ in range(3))
    age(older, 60)
    age(oldest, 120)
    assert set(ids(o311.get("requests.json"))) == {recent, older}
    # start alone: the 90 days after it.
    assert ids(o311.get("requests.json", start_date=(timezone.now() - timedelta(days=200)).isoformat())) == [oldest]
    assert ids(o311.get("requests.json", start_date=(timezone.now() - timedelta(days=140)).isoformat())) == [
        older,
        oldest,
    ]
    end = (timezone.now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # end alone: the 90 days before it.
    assert ids(o311.get("requests.json", end_date=end)) == [oldest]
    window = {
        "start_date": (timezone.now() - timedelta(days=70)).isoformat(),
        "end_date": (timezone.now() - timedelta(days=50)).isoformat(),
    }
    assert ids(o311.get("requests.json", **window)) == [older]
    # Exactly 90 days is allowed; an empty start_date is the same as none.
    day = timezone.now().date()
    assert o311.get("requests.json", start_date=str(day - timedelta(days=90)), end_date=str(day)).status_code == 200
    assert set(ids(o311.get("requests.json", start_date=""))) == {recent, older}


def test_status_open_and_closed(o311, post_request):
    waiting, done, withdrawn = (post_request()["service_request_id"] for _ in range(3))
    complete(int(done))
    key_user = ApiKey.objects.get(prefix="demo-ope").user
    orders.order_cancel(actor=key_user, order_id=int(withdrawn), reason="重复提交")
    assert ids(o311.get("requests.json", status="open")) == [waiting]
    assert set(ids(o311.get("requests.json", status="closed"))) == {done, withdrawn}
    assert len(ids(o311.get("requests.json", status="open,closed"))) == 3
    assert shown(o311, done)["status_notes"] == "舟山市普陀区海韵社会工作服务中心已完成服务，等待确认"
    assert shown(o311, withdrawn)["status_notes"] == "需求人已撤销该需求"


def test_reopened_is_open_again(o311, post_request):
    request_id = post_request()["service_request_id"]
    complete(int(request_id))
    assert shown(o311, request_id)["status"] == "closed"
    orders.order_reopen(actor=person("community_xp"), order_id=int(request_id), reason="灯还是不亮")
    again = shown(o311, request_id)
    assert again["status"] == "open"
    assert again["status_notes"] == "需求人对结果有异议，已重新办理"


def test_status_notes_agency_and_times(o311, post_request):
    request_id = post_request()["service_request_id"]
    first = shown(o311, request_id)
    assert first["status"] == "open"
    assert first["status_notes"] == "已受理，等待社会组织接单"
    assert first["agency_responsible"] == "兴普社区（待派单）"
    order = Order.objects.get(pk=int(request_id))
    assert first["expected_datetime"] == timezone.localtime(order.accept_by).isoformat(timespec="seconds")
    claim(int(request_id))
    taken = shown(o311, request_id)
    assert taken["status_notes"] == "舟山市普陀区海韵社会工作服务中心已接单，正在安排服务"
    assert taken["agency_responsible"] == "舟山市普陀区海韵社会工作服务中心"
    order.refresh_from_db()
    assert taken["expected_datetime"] == timezone.localtime(order.complete_by).isoformat(timespec="seconds")
    for moment in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert PLUS_0800.match(taken[moment]), taken[moment]
    assert taken["updated_datetime"] >= taken["requested_datetime"]


def test_hand_off_to_a_department_in_the_history(o311, post_request):
    request_id = post_request()["service_request_id"]
    forward_to_health(int(request_id))
    orders.order_sign(actor=person("dept_wj"), order_id=int(request_id))
    orders.order_return(actor=person("dept_wj"), order_id=int(request_id), reason="不属于卫健局职责，请联系住建局")
    plain = shown(o311, request_id)
    assert plain["status_notes"] == "区卫健局已退回，社区正在重新安排"
    assert "notes" not in plain and "attributes" not in plain
    extended = shown(o311, request_id, extensions="true")
    assert [(n["type"], n["description"]) for n in extended["notes"]] == [
        ("created", "已受理，等待社会组织接单"),
        ("forwarded", "已转交区卫健局办理"),
        ("signed", "区卫健局已签收，正在办理"),
        ("returned", "区卫健局已退回，社区正在重新安排"),
    ]
    assert extended["extended_attributes"]["channel"] == "open311"
    assert extended["extended_attributes"]["community_code"] == "330903003005"
    assert extended["attributes"] == [
        {"code": "where", "label": "哪里需要维修？", "values": [{"key": "stairwell", "name": "楼道"}]}
    ]


def test_paging_extension(o311, post_request):
    made = [post_request()["service_request_id"] for _ in range(5)]
    newest_first = list(reversed(made))
    assert ids(o311.get("requests.json", page_size="2")) == newest_first[:2]
    assert ids(o311.get("requests.json", page="2", page_size="2")) == newest_first[2:4]
    assert ids(o311.get("requests.json", page="3", page_size="2")) == newest_first[4:]
    assert ids(o311.get("requests.json", page="4", page_size="2")) == []


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as context:
        call()
    return len(context)


def test_queries_do_not_grow_with_the_list(o311, post_request):
    post_request()
    forward_to_health(int(post_request()["service_request_id"]))
    few = _queries(lambda: o311.get("requests.json", extensions="true"))
    for _ in range(6):
        complete(int(post_request()["service_request_id"]))
    assert len(ids(o311.get("requests.json", extensions="true"))) == 8
    assert _queries(lambda: o311.get("requests.json", extensions="true")) == few <= 12


# ---- personal data and other channels ---------------------------------------------------------


def test_personal_data_never_appears(o311, post_request):
    request_id = post_request(
        first_name="明",
        last_name="王",
        phone="13812345678",
        email="wang.ming@example.cn",
        account_id="app-42",
        description="我姓王，电话13812345678，身份证330903198001011234，邮箱wang.ming@example.cn，家住3号楼201室",
        address_string="浙江省舟山市普陀区东港街道兴普社区3号楼201室",
        lat="29.962512",
        long="122.340487",
        **{"attribute[where]": "stairwell"},
    )["service_request_id"]
    forward_to_health(int(request_id))  # the staff note names a phone number; notes are never published
    for extensions in ("false", "true"):
        for fmt in ("json", "xml"):
            body = o311.get(f"requests/{request_id}.{fmt}", extensions=extensions).content.decode()
            body += o311.get(f"requests.{fmt}", extensions=extensions).content.decode()
            for secret in (
                "王明",
                "13812345678",
                "138-1234",
                "wang.ming",
                "330903198001011234",
                "201室",
                "13900001111",
                "app-42",
                "29.962512",
                "122.340487",
            ):
                assert secret not in body, (secret, fmt, extensions)
    published = shown(o311, request_id)
    assert "138****5678" in published["description"]
    assert "330903********1234" in published["description"]
    assert published["address"] == "浙江省舟山市普陀区东港街道兴普社区3号楼***"
    assert (published["lat"], published["long"]) == (29.963, 122.34)


@pytest.fixture
def web_order(user):
    """A need resident_a posted on the web: not an Open311 request."""
    return orders.order_create(
        actor=user("resident_a"),
        category="elderly_care",
        title="帮忙买菜",
        description="腿脚不便，想请人每周帮忙买两次菜。",
        community="330903003005",
        address="兴普社区3号楼201室",
    )


def test_orders_from_other_channels_are_not_published(o311, post_request, web_order):
    mine = post_request()["service_request_id"]
    assert ids(o311.get("requests.json")) == [mine]
    assert o311.get(f"requests/{web_order.pk}.json").status_code == 404
    assert ids(o311.get("requests.json", service_request_id=str(web_order.pk))) == []


def test_a_signed_in_admin_sees_the_same_as_everyone(o311, post_request, web_order, user):
    post_request()
    anonymous = o311.get("requests.json").content
    o311.client.force_login(user("admin"))
    assert o311.get("requests.json").content == anonymous
    assert o311.get(f"requests/{web_order.pk}.json").status_code == 404
