"""A generic HTTP client drives a real server exactly as the spec's examples do: GET with query
strings, POST with an application/x-www-form-urlencoded body, XML and JSON back."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest

from gongzhi.open311.demo import DEMO_KEY
from gongzhi.open311.tests.conftest import ADDRESS_XP, as_text, load_demo_for_live, parse_xml, spark, validate


@pytest.fixture
def server(live_server: Any, transactional_db: Any) -> str:
    load_demo_for_live()
    return f"{live_server.url}/open311/v2"


def call(url: str, body: bytes | None = None) -> tuple[int, str, bytes]:
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"} if body is not None else {}
    assert url.startswith("http://")
    request = urllib.request.Request(  # noqa: S310 - our live test server
        url,
        data=body,
        headers=headers,
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own live test server
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_the_spec_examples_end_to_end(server):
    status, kind, body = call(f"{server}/discovery.xml")
    assert (status, kind) == (200, "text/xml; charset=utf-8")
    discovery = parse_xml(body)
    url = discovery.find("endpoints/endpoint/url").text
    assert url == server

    # GET Service List, as in the spec's sample URL (jurisdiction_id in the query string).
    status, _kind, body = call(f"{url}/services.xml?jurisdiction_id=330903")
    assert status == 200
    codes = [s.find("service_code").text for s in parse_xml(body).findall("service")]
    assert "property_repair" in codes

    # GET Service Definition.
    status, _kind, body = call(f"{url}/services/property_repair.json?jurisdiction_id=330903")
    assert status == 200
    validate("service-definition.json", json.loads(body))

    # POST Service Request, body built like the spec's example request.
    form = urlencode(
        [
            ("api_key", DEMO_KEY),
            ("jurisdiction_id", "330903"),
            ("service_code", "property_repair"),
            ("lat", "29.9695"),
            ("long", "122.340"),
            ("address_string", ADDRESS_XP),
            ("email", "smit333@example.cn"),
            ("device_id", "tt222111"),
            ("account_id", "123456"),
            ("first_name", "明"),
            ("last_name", "王"),
            ("phone", "13812345678"),
            ("description", "楼道灯坏了一个月，晚上上下楼很危险。"),
            ("media_url", "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"),
            ("attribute[where]", "stairwell"),
        ]
    ).encode("utf-8")
    status, kind, body = call(f"{url}/requests.xml", form)
    assert (status, kind) == (200, "text/xml; charset=utf-8"), body.decode()
    created = parse_xml(body).find("request")
    request_id = created.find("service_request_id").text
    assert created.find("account_id").text == "123456"
    assert created.find("token") is None

    # GET Service Request (a list of one), both formats saying the same.
    status, _kind, as_xml = call(f"{url}/requests/{request_id}.xml?jurisdiction_id=330903")
    status_json, _kind, as_json = call(f"{url}/requests/{request_id}.json?jurisdiction_id=330903")
    assert status == status_json == 200
    assert spark(parse_xml(as_xml)) == as_text(json.loads(as_json))
    validate("requests.json", json.loads(as_json))
    one = json.loads(as_json)[0]
    assert (one["status"], one["description"]) == ("open", "楼道灯坏了一个月，晚上上下楼很危险。")
    assert "13812345678" not in as_json.decode() and "smit333" not in as_json.decode()

    # GET Service Requests with the spec's sample filters.
    status, _kind, body = call(f"{url}/requests.json?status=open&jurisdiction_id=330903")
    assert status == 200
    assert request_id in [r["service_request_id"] for r in json.loads(body)]


def test_errors_reach_a_generic_client_in_the_spec_format(server):
    status, kind, body = call(f"{server}/requests.xml", urlencode({"service_code": "legal"}).encode())
    assert (status, kind) == (403, "text/xml; charset=utf-8")
    error = ET.fromstring(body).find("error")  # noqa: S314 - our own server's output under test
    assert error.find("code").text == "403"
    assert "api_key" in error.find("description").text
    status, _kind, body = call(f"{server}/services/none.json")
    assert status == 404 and json.loads(body)[0]["code"] == 404
