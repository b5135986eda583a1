"""Every JSON document the endpoint writes follows the spec's JSON schemas, and every XML document says
the same thing as its JSON twin (the spec's Spark convention)."""

from __future__ import annotations

import pytest

from gongzhi.open311.tests.conftest import CREATED_SCHEMA, DISCOVERY_SCHEMA, ERRORS_SCHEMA, parse_xml, spark, validate
from gongzhi.open311.tests.helpers import complete, forward_to_health, person
from gongzhi.orders import services as orders


def test_discovery(o311):
    as_json, _xml = o311.both("discovery")
    document = as_json.json()
    validate(DISCOVERY_SCHEMA, document)
    endpoint = document["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert document["changeset"].endswith("+08:00")


def test_root_serves_discovery_xml(o311):
    response = o311.client.get("/open311/v2/")
    assert response.status_code == 200
    assert parse_xml(response.content).tag == "discovery"


def test_services(o311):
    as_json, _xml = o311.both("services")
    services = as_json.json()
    validate("services.json", services)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["elderly_care"] == {
        "service_code": "elderly_care",
        "service_name": "居家照料",
        "description": None,
        "metadata": True,
        "type": "realtime",
        "keywords": "居家照料, 养老服务, elderly care",
        "group": "养老服务",
    }
    assert by_code["legal"]["metadata"] is False
    assert by_code["legal"]["group"] == "法律援助"


def test_service_definition_has_all_six_datatypes(o311):
    as_json, as_xml = o311.both("services/elderly_care")
    definition = as_json.json()
    validate("service-definition.json", definition)
    attributes = definition["attributes"]
    assert [a["order"] for a in attributes] == sorted(a["order"] for a in attributes)
    assert {a["datatype"] for a in attributes} == {
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    }
    living_alone = next(a for a in attributes if a["code"] == "living_alone")
    assert living_alone["required"] is True
    assert living_alone["values"] == [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}]
    notice = next(a for a in attributes if a["code"] == "phone_notice")
    assert notice["variable"] is False
    assert parse_xml(as_xml.content).find("attributes/attribute/values/value/name").text == "是"


def test_post_answer(o311, post_request):
    from gongzhi.open311.tests.conftest import request_fields

    for fmt in ("json", "xml"):
        response = o311.post(f"requests.{fmt}", request_fields())
        assert response.status_code == 200
        if fmt == "json":
            validate(CREATED_SCHEMA, response.json())
            assert response.json()[0]["service_notice"] == "将在 1 个工作日内受理，受理后 3 个工作日内办结"
        else:
            tree = spark(parse_xml(response.content))
            assert tree[0]["service_request_id"].isdigit()
            assert tree[0]["account_id"] == ""


@pytest.fixture
def requests_in_every_state(post_request):
    """One request per way an order can go: waiting, forwarded and signed, done, withdrawn."""
    made = [post_request()["service_request_id"] for _ in range(4)]
    forward_to_health(int(made[1]))
    orders.order_sign(actor=person("dept_wj"), order_id=int(made[1]))
    complete(int(made[2]))
    from gongzhi.open311.models import ApiKey

    orders.order_cancel(actor=ApiKey.objects.get(prefix="demo-ope").user, order_id=int(made[3]), reason="重复提交")
    return made


@pytest.mark.parametrize("extensions", ["false", "true"])
def test_requests_list_and_detail(o311, requests_in_every_state, extensions):
    as_json, _xml = o311.both("requests", extensions=extensions)
    listed = as_json.json()
    validate("requests.json", listed)
    assert {r["service_request_id"] for r in listed} == set(requests_in_every_state)
    for request_id in requests_in_every_state:
        one, _xml = o311.both(f"requests/{request_id}", extensions=extensions)
        validate("requests.json", one.json())
        assert len(one.json()) == 1
        for item in one.json():
            validate("request.json", item)


def test_errors(o311):
    for path in ("services/nope", "requests/999999", "nothing-here"):
        as_json, _xml = o311.both(path)
        assert as_json.status_code == 404
        validate(ERRORS_SCHEMA, as_json.json())
    bad_dates, _xml = o311.both("requests", start_date="yesterday")
    assert bad_dates.status_code == 400
    validate(ERRORS_SCHEMA, bad_dates.json())
    refused = o311.post("requests.json", {"service_code": "legal"})
    assert refused.status_code == 403
    validate(ERRORS_SCHEMA, refused.json())


def test_empty_list_is_valid(o311):
    as_json, as_xml = o311.both("requests", status="closed")
    assert as_json.json() == []
    validate("requests.json", as_json.json())
    assert parse_xml(as_xml.content).tag == "service_requests"
