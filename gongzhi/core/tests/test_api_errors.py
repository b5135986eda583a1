"""The API's errors: JSON with a code and a Chinese detail, bad input is 4xx and never 500."""

from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.core.api_errors import translate_validation_errors
from gongzhi.core.errors import IllegalState, NotFound, RateLimited, ValidationFailed

GRIDS = "/api/v1/areas/330903003005/grids"


def test_unknown_area_is_not_found_json(api):
    response = api("org_a").get("areas/000000")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "未找到，或您无权查看"}


def test_unknown_api_path_is_404(api):
    assert api("org_a").get("no-such-endpoint").status_code == 404


def test_no_credentials_is_401(demo):
    response = Client().get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{bad json", "application/json"),
        ('{"name": "未闭合', "application/json"),
        ("name=兴普四网格", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00", "application/json"),
    ],
)
def test_malformed_body_is_422_not_500(api, body, content_type):
    response = api("community_xp").client.post(GRIDS, body, content_type=content_type)
    assert response.status_code == 422
    payload = response.json()
    assert payload["code"] == "validation_error"
    assert "JSON" in payload["detail"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ("[1, 2]", {"name": ["此项为必填项"]}),
        ('{"name": 5}', {"name": ["请填写文字"]}),
        ('{"name": null}', {"name": ["请填写文字"]}),
        ('"兴普四网格"', {"name": ["此项为必填项"]}),
    ],
)
def test_wrong_shapes_are_field_level_422(api, body, errors):
    response = api("community_xp").client.post(GRIDS, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == errors


def test_bad_query_parameter_is_422(api):
    response = api("org_a").get("auth/tokens/abc/revoke")
    assert response.status_code in (404, 405)  # a GET on a POST route
    response = api("org_a").post("auth/tokens/abc/revoke")
    assert response.status_code == 422
    assert response.json()["errors"] == {"token_id": ["请填写整数"]}


def test_wrong_method_is_405_json(api):
    response = api("org_a").client.put("/api/v1/auth/me", {}, content_type="application/json")
    assert response.status_code == 405


def test_openapi_schema_lists_the_paths(demo):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "共治 gongzhi API"
    for path in (
        "/api/v1/auth/token",
        "/api/v1/auth/me",
        "/api/v1/auth/tokens",
        "/api/v1/auth/tokens/{token_id}/revoke",
        "/api/v1/areas",
        "/api/v1/areas/{code}",
        "/api/v1/areas/{code}/grids",
    ):
        assert path in schema["paths"], path
    assert "201" in schema["paths"]["/api/v1/areas/{code}/grids"]["post"]["responses"]
    assert Client().get("/api/v1/docs").status_code == 200


def test_json_is_readable_chinese(api):
    response = api("org_a").get("areas/000000")
    assert "未找到".encode() in response.content  # not \\u escapes


def test_error_payloads():
    assert ValidationFailed({"name": ["请填写"]}).payload() == {
        "code": "validation_error",
        "detail": "请填写",
        "errors": {"name": ["请填写"]},
    }
    assert ValidationFailed("整体错误").errors == {"__all__": ["整体错误"]}
    state = IllegalState("已接单，不能撤销", state="accepted", state_label="已接单").payload()
    assert state == {
        "code": "illegal_state",
        "detail": "已接单，不能撤销",
        "state": "accepted",
        "state_label": "已接单",
    }
    assert RateLimited("稍后再试", retry_after=30).payload()["retry_after"] == 30
    assert NotFound().status == 404


def test_pydantic_errors_in_chinese():
    errors = translate_validation_errors(
        [
            {"type": "missing", "loc": ("body", "payload", "name"), "msg": "Field required"},
            {"type": "string_too_long", "loc": ("body", "payload", "name"), "msg": "...", "ctx": {"max_length": 50}},
            {"type": "int_parsing", "loc": ("query", "page"), "msg": "..."},
            {"type": "something_new", "loc": ("body", "payload", "x"), "msg": "Something new"},
        ]
    )
    assert errors == {
        "name": ["此项为必填项", "最多 50 个字符"],
        "page": ["请填写整数"],
        "x": ["格式不正确（Something new）"],
    }
