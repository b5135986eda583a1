"""The demo step: idempotent, and the published key posts into 东港街道 as the README shows."""

from __future__ import annotations

from gongzhi.accounts.models import User
from gongzhi.core.demo import load_demo
from gongzhi.open311.models import ApiKey, CommunityLocation, Jurisdiction, ServiceAttribute
from gongzhi.open311.selectors import api_key_find
from gongzhi.open311.tests.conftest import request_fields


def _counts() -> list[int]:
    return [m.objects.count() for m in (ApiKey, CommunityLocation, Jurisdiction, ServiceAttribute, User)]


def test_demo_twice_changes_nothing(demo):
    before = _counts()
    load_demo(extra={"history": False})
    assert _counts() == before
    assert before[:3] == [1, 10, 1]


def test_demo_key_is_for_donggang(demo):
    key = api_key_find("demo-open311-key")
    assert key is not None and key.area.code == "330903003"
    assert all(loc.approximate for loc in CommunityLocation.objects.all())


def test_readme_curl_example(o311):
    """The README's curl call: the demo key, a service and 兴普社区 named in the address."""
    fields = {
        "api_key": "demo-open311-key",
        "service_code": "property_repair",
        "attribute[where]": "stairwell",
        "address_string": "浙江省舟山市普陀区东港街道兴普社区3号楼",
        "description": "3号楼楼道灯坏了，晚上很黑",
    }
    response = o311.post("requests.json", fields)
    assert response.status_code == 200, response.content.decode()
    assert response.json()[0]["service_request_id"].isdigit()
    assert request_fields()["api_key"] == "demo-open311-key"
