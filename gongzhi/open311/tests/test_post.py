"""POST requests: a request becomes an order through the same service as every channel."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.audit.models import AuditEntry
from gongzhi.open311.models import ApiKey, Submission
from gongzhi.open311.tests.conftest import ADDRESS_XP, WK, XP, request_fields
from gongzhi.orders.models import Channel, Order, OrderEvent, State


def test_address_string_maps_to_the_community(post_request):
    created = post_request()
    order = Order.objects.get(pk=int(created["service_request_id"]))
    assert (order.community.code, order.area.code) == (XP, XP)
    assert order.channel == Channel.OPEN311
    assert order.state == State.PENDING
    assert order.address == ADDRESS_XP
    assert order.created_by == ApiKey.objects.get(prefix="demo-ope").user
    assert (order.contact_name, order.contact_phone) == ("王明", "13812345678")
    assert order.requester is None
    assert [e.action for e in OrderEvent.objects.filter(order=order)] == ["created"]
    assert AuditEntry.objects.filter(action="open311.request.created", target_id=str(order.pk)).exists()
    assert AuditEntry.objects.filter(action="orders.order.created", target_id=str(order.pk)).exists()
    submission = Submission.objects.get(order=order)
    assert submission.email == "wang@example.cn"
    assert submission.attributes == {"where": "stairwell"}
    assert ApiKey.objects.get(prefix="demo-ope").last_used_at is not None


def test_grid_named_in_the_address(post_request):
    created = post_request(address_string="东港街道兴普社区兴普二网格5号楼")
    order = Order.objects.get(pk=int(created["service_request_id"]))
    assert order.area.code == f"{XP}-002"


def test_lat_long_maps_to_the_nearest_community(post_request):
    # The demo places 文康社区 (…008) at about 29.9625, 122.340 (approximate).
    created = post_request(address_string=None, lat="29.9627", long="122.3403")
    order = Order.objects.get(pk=int(created["service_request_id"]))
    assert order.community.code == WK
    assert order.address == "坐标 29.962700, 122.340300"
    submission = Submission.objects.get(order=order)
    assert (str(submission.lat), str(submission.lng)) == ("29.962700", "122.340300")


def test_address_wins_over_coordinates_when_it_names_a_community(post_request):
    created = post_request(lat="29.9627", long="122.3403")  # 文康's point, but the address says 兴普
    assert Order.objects.get(pk=int(created["service_request_id"])).community.code == XP


def test_address_without_a_community_falls_back_to_coordinates(post_request):
    created = post_request(address_string="东港街道某小区", lat="29.9627", long="122.3403")
    assert Order.objects.get(pk=int(created["service_request_id"])).community.code == WK


def test_attributes_of_every_datatype_are_stored_and_shown_to_handlers(o311):
    fields = request_fields(
        service_code="elderly_care",
        **{"attribute[where]": None},
        **{
            "attribute[living_alone]": "yes",
            "attribute[age]": "82",
            "attribute[first_visit]": "2026-12-01T09:00:00Z",
            "attribute[building]": "3号楼2单元",
            "attribute[situation]": "腿脚不便\n子女在外地",
        },
    )
    body = [*fields.items(), ("attribute[help_needed][]", "clean"), ("attribute[help_needed][]", "company")]
    response = o311.post("requests.json", body)
    assert response.status_code == 200, response.content.decode()
    order = Order.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert Submission.objects.get(order=order).attributes == {
        "living_alone": "yes",
        "age": "82",
        "first_visit": "2026-12-01T17:00:00+08:00",
        "building": "3号楼2单元",
        "situation": "腿脚不便\n子女在外地",
        "help_needed": ["clean", "company"],
    }
    # Those who handle the order read the answers in its description.
    assert "老人是否独居？：是" in order.description
    assert "需要哪些帮助？（可多选）：打扫卫生、陪伴聊天" in order.description
    assert order.title == "楼道灯坏了一个月，晚上上下楼很危险。"


def test_a_single_multivalue_answer_may_come_without_brackets(o311):
    fields = request_fields(
        service_code="elderly_care",
        **{"attribute[where]": None, "attribute[living_alone]": "no", "attribute[help_needed]": "bath"},
    )
    response = o311.post("requests.json", fields)
    assert response.status_code == 200, response.content.decode()
    order_id = int(response.json()[0]["service_request_id"])
    assert Submission.objects.get(order_id=order_id).attributes["help_needed"] == ["bath"]


def test_empty_parameters_count_as_absent(post_request):
    created = post_request(
        jurisdiction_id="", lat="", long="", email="", media_url="", account_id="", **{"attribute[where]": "roof"}
    )
    submission = Submission.objects.get(order_id=int(created["service_request_id"]))
    assert (submission.lat, submission.email, submission.media_url) == (None, "", "")


def test_without_description_or_requester(post_request):
    created = post_request(description=None, first_name=None, last_name=None, phone=None, email=None)
    order = Order.objects.get(pk=int(created["service_request_id"]))
    assert order.title == "房屋设施维修"
    assert order.description.startswith("（通过 Open311 提交，未填写描述）")
    assert (order.contact_name, order.contact_phone) == ("", "")


def test_phone_in_international_form_is_accepted(post_request):
    created = post_request(phone="+86 138-1234-5678", first_name="Ming", last_name="Wang")
    order = Order.objects.get(pk=int(created["service_request_id"]))
    assert (order.contact_name, order.contact_phone) == ("Ming Wang", "13812345678")


def test_media_url_and_account_id(post_request, o311):
    created = post_request(media_url="https://img.example.cn/a.jpg", account_id="app-42")
    assert created["account_id"] == "app-42"
    order = Order.objects.get(pk=int(created["service_request_id"]))
    assert "图片/媒体：https://img.example.cn/a.jpg" in order.description
    shown = o311.get(f"requests/{created['service_request_id']}.json").json()[0]
    assert shown["media_url"] == "https://img.example.cn/a.jpg"


def test_jurisdiction_id_may_be_given(post_request):
    assert post_request(jurisdiction_id="330903")["service_request_id"]


def test_description_of_exactly_4000_characters(post_request):
    created = post_request(description="灯" * 4000)
    submission = Submission.objects.get(order_id=int(created["service_request_id"]))
    assert len(submission.description) == 4000
    assert len(submission.order.description) <= 4000


def test_api_key_may_come_in_the_query_string(o311):
    fields = request_fields()
    key = fields.pop("api_key")
    response = o311.client.post(f"/open311/v2/requests.json?api_key={key}", fields)  # multipart form, key in URL
    assert response.status_code == 200, response.content.decode()


# Text a person might type: Chinese, Latin letters, punctuation, line breaks and XML's special
# characters — but no digits or '@', which the published copy masks when they look like phones or emails.
TEXT = st.text(
    alphabet=st.sampled_from(
        "楼道灯坏了晚上上下楼很危险独居老人需要帮助请尽快处理，。！？、（）《》“”：；"
        + string.ascii_letters
        + " \n<>&\"'/"
    ),
    min_size=1,
    max_size=300,
).filter(lambda s: any(ch.isalnum() for ch in s))  # symbols alone are refused: a need is said in words


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(description=TEXT)
def test_chinese_description_round_trip(o311, description):
    response = o311.post("requests.xml", request_fields(description=description))
    assert response.status_code == 200, response.content.decode()
    from gongzhi.open311.tests.conftest import parse_xml, spark

    request_id = spark(parse_xml(response.content))[0]["service_request_id"]
    as_json, as_xml = o311.both(f"requests/{request_id}")
    assert as_json.json()[0]["description"] == description.strip()
    assert spark(parse_xml(as_xml.content))[0]["description"] == description.strip()


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x0b", "\x1f"])
def test_characters_xml_cannot_carry_are_dropped(o311, control):
    response = o311.post("requests.json", request_fields(description=f"灯坏了{control}请修"))
    assert response.status_code == 200
    request_id = response.json()[0]["service_request_id"]
    as_json, _xml = o311.both(f"requests/{request_id}")
    assert as_json.json()[0]["description"] == "灯坏了请修"
