"""Every refusal is the spec's error list: 404 for what does not exist, 403 for the api_key, 400 for the rest."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.areas.models import Area
from gongzhi.core.errors import ValidationFailed
from gongzhi.open311.models import Jurisdiction, Submission
from gongzhi.open311.parsing import parse_datetime
from gongzhi.open311.services import api_key_issue, api_key_revoke
from gongzhi.open311.tests.conftest import parse_xml, request_fields, spark
from gongzhi.orders.models import Order


@pytest.fixture
def other_district(demo):
    """定海区, served as a second Open311 jurisdiction."""
    city = Area.objects.get(code="3309")
    area = Area.objects.create(
        code="330902",
        name="定海区",
        short_name="定海区",
        level="district",
        parent=city,
        path=f"{city.path}330902/",
        depth=city.depth + 1,
    )
    Jurisdiction.objects.create(area=area)
    return area


def refused(response, status):
    """The errors of a refusal, after checking its status and shape (JSON, or XML read as JSON)."""
    assert response.status_code == status, response.content.decode()
    is_xml = response["Content-Type"].startswith("text/xml")
    errors = spark(parse_xml(response.content)) if is_xml else response.json()
    assert errors and all(str(e["code"]) == str(status) and e["description"] for e in errors)
    return [e["description"] for e in errors]


def post_refused(o311, status, fmt="json", **fields):
    before = Order.objects.count()
    descriptions = refused(o311.post(f"requests.{fmt}", request_fields(**fields)), status)
    assert Order.objects.count() == before, "a refused request must not create an order"
    return " ".join(descriptions)


# ---- 403: the key ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "   ", "not-a-key", "demo-open311-KEY"])
def test_missing_or_wrong_key(o311, key):
    assert "api_key" in post_refused(o311, 403, api_key=key)


def test_revoked_key(o311):
    key, raw = api_key_issue(actor=None, name="城市App", area_code="330903003")
    assert o311.post("requests.json", request_fields(api_key=raw)).status_code == 200
    api_key_revoke(actor=None, key_id=key.pk)
    assert "api_key" in post_refused(o311, 403, api_key=raw)


def test_key_cannot_post_outside_its_area(o311):
    """A key for 兴普社区 cannot post a request located in 文康社区, by address or by coordinates."""
    _key, raw = api_key_issue(actor=None, name="兴普小程序", area_code="330903003005")
    assert o311.post("requests.json", request_fields(api_key=raw)).status_code == 200
    text = post_refused(o311, 403, api_key=raw, address_string="东港街道文康社区12号楼")
    assert "兴普社区" in text and "文康社区" in text
    post_refused(o311, 403, api_key=raw, address_string=None, lat="29.9625", long="122.340")


def test_key_of_another_district(o311, other_district):
    _key, raw = api_key_issue(actor=None, name="定海小程序", area_code=other_district.code)
    assert "不属于辖区" in post_refused(o311, 403, api_key=raw, jurisdiction_id="330903")


def test_the_service_layer_holds_the_scope_too(user):
    """order_create refuses the open311 channel for a community outside the actor's resident grant."""
    from gongzhi.core.errors import PermissionDenied
    from gongzhi.orders.services import order_create

    key, _raw = api_key_issue(actor=None, name="兴普小程序", area_code="330903003005")
    with pytest.raises(PermissionDenied):
        order_create(
            actor=key.user,
            channel="open311",
            category="legal",
            title="咨询",
            description="咨询工资问题",
            community="330903003008",
        )
    with pytest.raises(PermissionDenied):  # nor may a resident pass their need off as an Open311 one elsewhere
        order_create(
            actor=user("resident_a"),
            channel="open311",
            category="legal",
            title="咨询",
            description="咨询工资问题",
            community="330903003008",
        )


# ---- 404: what does not exist ------------------------------------------------------------------


def test_unknown_service_code_is_404(o311):
    assert "service_code" in post_refused(o311, 404, service_code="no_such_service")
    assert "no_such_service" in " ".join(refused(o311.get("services/no_such_service.xml"), 404))


def test_unknown_request_and_token_are_404(o311):
    refused(o311.get("requests/999999.json"), 404)
    refused(o311.get("requests/abc.xml"), 404)
    assert "realtime" in " ".join(refused(o311.get("tokens/12345.json"), 404))


def test_unknown_jurisdiction_is_404(o311):
    assert "330903" in " ".join(refused(o311.get("services.json", jurisdiction_id="sfgov.org"), 404))
    post_refused(o311, 404, jurisdiction_id="330902")  # 定海区: not served here


@pytest.mark.parametrize(
    "path", ["services.html", "requests", "discovery.yaml", "v3/services.json", "requests/1/x.json"]
)
def test_unknown_paths_are_404_in_the_spec_format(o311, path):
    refused(o311.client.get(f"/open311/v2/{path}"), 404)


# ---- 400: the rest -----------------------------------------------------------------------------


def test_missing_service_code(o311):
    assert "service_code" in post_refused(o311, 400, service_code=None)


def test_missing_location(o311):
    assert "lat" in post_refused(o311, 400, address_string=None)


def test_lat_without_long(o311):
    assert "lat 和 long" in post_refused(o311, 400, address_string=None, lat="29.96")


@pytest.mark.parametrize("lat,long", [("north", "122.3"), ("91", "122.3"), ("29.9", "181"), ("NaN", "1")])
def test_bad_coordinates(o311, lat, long):
    post_refused(o311, 400, address_string=None, lat=lat, long=long)


def test_coordinates_far_from_every_community(o311):
    text = post_refused(o311, 400, address_string=None, lat="30.25", long="120.16")  # 杭州
    assert "附近没有本辖区的社区" in text and "not within any community" in text


def test_address_naming_no_community(o311):
    text = post_refused(o311, 400, address_string="浙江省舟山市普陀区东港街道某某小区")
    assert "无法从地址" in text and "no community" in text


def test_address_id_alone(o311):
    assert "address_id" in post_refused(o311, 400, address_string=None, address_id="545483")


def test_description_over_4000_characters(o311):
    assert "4000" in post_refused(o311, 400, description="灯" * 4001)


@pytest.mark.parametrize(
    "field,value",
    [
        ("phone", "电话138"),
        ("email", "not-an-email"),
        ("media_url", "ftp://x/y.jpg"),
        ("media_url", "javascript:alert(1)"),
        ("first_name", "名" * 51),
    ],
)
def test_bad_requester_fields(o311, field, value):
    assert field in post_refused(o311, 400, **{field: value})


def test_required_attribute_missing(o311):
    text = post_refused(o311, 400, **{"attribute[where]": None})
    assert "attribute[where]" in text and "required" in text


@pytest.mark.parametrize(
    "fields",
    [
        {"attribute[where]": "garden"},  # not an option
        {"attribute[where][]": ["roof", "lift"]},  # two values for a single-value list
        {"attribute[colour]": "red"},  # not a question of this service
    ],
)
def test_bad_attributes(o311, fields):
    post_refused(o311, 400, **fields)


@pytest.mark.parametrize(
    "code,value",
    [
        ("age", "eighty"),
        ("first_visit", "next monday"),
        ("help_needed", "dance"),
        ("building", "3号楼\n2单元"),
        ("phone_notice", "ok"),
    ],
)
def test_bad_answers_by_datatype(o311, code, value):
    text = post_refused(
        o311,
        400,
        service_code="elderly_care",
        **{"attribute[where]": None, "attribute[living_alone]": "yes", f"attribute[{code}]": value},
    )
    assert f"attribute[{code}]" in text


def test_several_problems_are_reported_together(o311):
    response = o311.post("requests.xml", request_fields(address_string=None, email="x", **{"attribute[where]": None}))
    descriptions = refused(response, 400)
    assert len(descriptions) == 3


def test_post_must_be_form_encoded(o311):
    response = o311.client.post("/open311/v2/requests.json", request_fields(), content_type="application/json")
    assert "x-www-form-urlencoded" in " ".join(refused(response, 400))


def test_wrong_method(o311):
    response = o311.client.delete("/open311/v2/requests.json")
    refused(response, 400)
    assert response["Allow"] == "GET, POST"
    refused(o311.client.post("/open311/v2/services.json"), 400)


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-13-01"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"},  # 91 days
        {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"},  # backwards
        {"status": "pending"},
        {"status": "open,done"},
        {"service_code": "no_such_service"},
        {"service_request_id": "1,abc"},
        {"page": "0"},
        {"page_size": "1001"},
        {"page_size": "ten"},
        {"extensions": "yes"},
    ],
)
def test_bad_filters(o311, params):
    refused(o311.get("requests.json", **params), 400)


def test_jurisdiction_required_when_several_are_served(o311, other_district):
    text = " ".join(refused(o311.get("services.json"), 400))
    assert "jurisdiction_id" in text and "330903" in text
    assert o311.get("services.json", jurisdiction_id="330903").status_code == 200
    post_refused(o311, 400)
    assert o311.post("requests.json", request_fields(jurisdiction_id="330903")).status_code == 200


def test_no_jurisdiction_configured(o311):
    Jurisdiction.objects.update(active=False)
    assert "jurisdiction" in " ".join(refused(o311.get("requests.json"), 400))
    assert Submission.objects.count() == 0


@pytest.mark.parametrize("request_id", ["99999999999999999999999", "²", "１２"])
def test_odd_ids_are_404_not_500(o311, request_id):
    refused(o311.get(f"requests/{request_id}.json"), 404)


@pytest.mark.parametrize(
    "params",
    [
        {"service_request_id": "99999999999999999999999"},
        {"page": "²"},
        {"start_date": "9999-12-31T23:59:59-12:00"},
        {"end_date": "0001-01-01"},
    ],
)
def test_odd_filters_are_400_not_500(o311, params):
    refused(o311.get("requests.json", **params), 400)


def test_post_to_an_unknown_path_is_the_spec_404(o311):
    refused(o311.post("nothing.json", request_fields()), 404)


def test_a_key_cannot_be_tied_to_a_grid(demo):
    with pytest.raises(ValidationFailed):
        api_key_issue(actor=None, name="网格", area_code="330903003005-001")


ANY_TEXT = st.text(max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=ANY_TEXT, end=ANY_TEXT, status=ANY_TEXT, page=ANY_TEXT, ids=ANY_TEXT)
def test_no_filter_value_breaks_the_list(o311, start, end, status, page, ids):
    params = {"start_date": start, "end_date": end, "status": status, "page": page}
    response = o311.get("requests.json", **{k: v for k, v in params.items() if "\x00" not in v})
    assert response.status_code in (200, 400)
    response = o311.get("requests.xml", service_request_id=ids.replace("\x00", ""))
    assert response.status_code in (200, 400)
    parse_xml(response.content)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=40)
    | st.from_regex(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?", fullmatch=True)
)
def test_parse_datetime_answers_or_refuses(text):
    try:
        parsed = parse_datetime(text)
    except ValueError:
        return
    assert parsed.tzinfo is not None and 1900 <= parsed.year <= 2999


def test_address_naming_two_communities(o311):
    text = post_refused(o311, 400, address_string="东港街道兴普社区与文康社区交界处")
    assert "兴普社区" in text and "文康社区" in text and "several communities" in text
    # A key for one of them settles it: the community inside the key's area is meant.
    _key, raw = api_key_issue(actor=None, name="文康小程序", area_code="330903003008")
    response = o311.post(
        "requests.json", request_fields(api_key=raw, address_string="东港街道兴普社区与文康社区交界处")
    )
    assert response.status_code == 200
    assert Order.objects.get(pk=int(response.json()[0]["service_request_id"])).community.code == "330903003008"
