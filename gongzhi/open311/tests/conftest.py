"""Fixtures for Open311 tests: a client that speaks the spec (form-encoded POST, no session), the spec's
JSON schemas, and an XML → JSON reading by the Spark convention to compare the two formats."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from gongzhi.open311.demo import DEMO_KEY

SCHEMAS = Path(__file__).parent / "schemas"
BASE = "/open311/v2/"
XP, WK = "330903003005", "330903003008"
ADDRESS_XP = "浙江省舟山市普陀区东港街道兴普社区3号楼"

# Spark convention, as the server writes it: these containers hold repeated children.
CONTAINERS = {"services", "service_requests", "attributes", "values", "errors", "endpoints", "formats", "notes"}

# The spec's own schemas do not cover these three documents; these follow its field tables.
DISCOVERY_SCHEMA = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string"},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string"},
                    "url": {"type": "string", "format": "uri"},
                    "changeset": {"type": "string"},
                    "type": {"enum": ["production", "test"]},
                    "formats": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                },
            },
        },
    },
}
ERRORS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "additionalProperties": False,
        "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}},
    },
}
CREATED_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "required": ["service_request_id"],
        "not": {"required": ["token"]},
        "properties": {
            "service_request_id": {"type": "string"},
            "service_notice": {"type": ["string", "null"]},
            "account_id": {"type": ["string", "null"]},
        },
    },
}

_checker = FormatChecker()


@_checker.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    # RFC 3339 with an explicit offset, as the spec requires (the w3 subset of ISO 8601).
    if not isinstance(value, str) or not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value
    ):
        return False
    return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


@_checker.checks("uri")
def _uri(value: object) -> bool:
    return isinstance(value, str) and bool(urlparse(value).scheme) and bool(urlparse(value).netloc)


def _registry() -> Registry:
    resources = [
        (p.name, Resource.from_contents(json.loads(p.read_text("utf-8")), default_specification=DRAFT7))
        for p in SCHEMAS.glob("*.json")
    ]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(schema: str | dict[str, Any], document: Any) -> None:
    """Raise if ``document`` does not follow the named spec schema file (or the given schema)."""
    contents = REGISTRY[schema].contents if isinstance(schema, str) else schema
    errors = sorted(
        Draft7Validator(contents, registry=REGISTRY, format_checker=_checker).iter_errors(document),
        key=lambda e: list(e.path),
    )
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors)


def spark(element: ET.Element) -> Any:
    """Read XML the way the spec maps it to JSON (Spark convention), every leaf as text ('' when empty)."""
    children = list(element)
    if element.tag in CONTAINERS:
        return [spark(c) for c in children]
    if not children:
        return element.text or ""
    return {c.tag: spark(c) for c in children}


def as_text(value: Any) -> Any:
    """JSON values as XML carries them: true/false, numbers as written, null as empty."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_xml(content: bytes) -> ET.Element:
    assert content.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), content[:60]
    return ET.fromstring(content)  # noqa: S314 - our own server's output under test


class Open311Client:
    """Calls /open311/v2/ as a civic client would: no session, no CSRF token, form-encoded POST."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params)

    def post(self, path: str, data: dict[str, Any] | list[tuple[str, Any]], **extra: Any) -> Any:
        body = urlencode(data, doseq=True)
        return self.client.post(
            BASE + path, body, content_type="application/x-www-form-urlencoded; charset=utf-8", **extra
        )

    def both(self, path: str, **params: Any) -> tuple[Any, Any]:
        """The same call as JSON and as XML; checks that they say the same thing and returns both."""
        as_json = self.get(f"{path}.json", **params)
        as_xml = self.get(f"{path}.xml", **params)
        assert as_json.status_code == as_xml.status_code
        assert as_json["Content-Type"] == "application/json; charset=utf-8"
        assert as_xml["Content-Type"] == "text/xml; charset=utf-8"
        assert spark(parse_xml(as_xml.content)) == as_text(as_json.json())
        return as_json, as_xml


@pytest.fixture
def o311(demo: None) -> Open311Client:
    return Open311Client()


def request_fields(**fields: Any) -> dict[str, Any]:
    base = {
        "api_key": DEMO_KEY,
        "service_code": "property_repair",
        "address_string": ADDRESS_XP,
        "description": "楼道灯坏了一个月，晚上上下楼很危险。",
        "attribute[where]": "stairwell",
        "first_name": "明",
        "last_name": "王",
        "phone": "13812345678",
        "email": "wang@example.cn",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


@pytest.fixture
def post_request(o311: Open311Client) -> Callable[..., dict[str, Any]]:
    """``post_request(**fields)`` posts a valid request (override any field; None drops it) and returns it."""

    def post(fmt: str = "json", **fields: Any) -> dict[str, Any]:
        response = o311.post(f"requests.{fmt}", request_fields(**fields))
        assert response.status_code == 200, response.content.decode()
        return response.json()[0]

    return post


def load_demo_for_live() -> None:
    """The demo data for a live-server test (a transactional test flushes the database afterwards)."""
    from gongzhi.accounts.models import User
    from gongzhi.core.demo import load_demo

    if not User.objects.filter(username="admin").exists():
        load_demo(extra={"history": False})
