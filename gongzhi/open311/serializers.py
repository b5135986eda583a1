"""GeoReport v2 documents: what each resource says, and how it is written as JSON and as XML.

Each representation is built once as plain Python (dicts, lists, scalars) and written in either
format. The JSON is the spec's "Spark convention" mapping of the XML: a container element of repeated
children (``<services><service>…``) is a JSON array, so the same tree gives both documents.

Personal data never appears here: no requester name, phone or email; descriptions have phone
numbers, ID numbers and emails masked; addresses stop at the building; coordinates are rounded to
about 100 m; status notes are fixed phrases naming organizations and departments, not free text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET  # writes XML only; nothing untrusted is parsed

from django.utils.translation import gettext as _

from gongzhi.core.masking import mask_address, mask_id_number, mask_phone
from gongzhi.open311.models import LIST_DATATYPES, ServiceAttribute, Submission
from gongzhi.open311.parsing import clean_text, w3
from gongzhi.open311.selectors import CLOSED_STATES
from gongzhi.orders.models import Category, Order, OrderEvent

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# Spark convention: which element repeats inside each container.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}
FIRST_CHANGESET = "2026-11-22T00:00:00+08:00"  # before any question or district was configured
COORDINATE_PLACES = Decimal("0.001")  # ≈ 110 m: near enough for a map, not a front door

Tree = dict[str, Any] | list[Any]


# ---- writing ---------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return clean_text(str(value))


def _fill(element: ET.Element, value: Any, name: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child, key)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEMS[name]), item, ITEMS[name])
    else:
        element.text = _text(value)


def to_xml(root: str, tree: Tree) -> bytes:
    element = ET.Element(root)
    _fill(element, tree, root)
    ET.indent(element)  # people read these with curl too
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode("utf-8")


def to_json(tree: Tree) -> bytes:
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(fmt: str, root: str, tree: Tree) -> bytes:
    return to_xml(root, tree) if fmt == "xml" else to_json(tree)


# ---- masking -------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_ID_NUMBER = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d[ -]?\d{4}[ -]?\d{4}|0\d{2,3}-\d{7,8})(?!\d)")
_ROOM = re.compile(r"\d+\s*(室|户)")


def mask_text(text: str) -> str:
    """Free text made fit to publish: emails, ID numbers, phone numbers and room numbers are masked.

    Names written into the text cannot be told from other words and stay as written; this is why
    only requests posted through Open311 itself are published (see ``policies``).
    """
    text = _EMAIL.sub("***@***", text or "")
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(0).replace(" ", "")), text)
    return _ROOM.sub(lambda m: "**" + m.group(1), text)


# ---- resources -----------------------------------------------------------------------------------


def errors_tree(status: int, messages: Iterable[str]) -> list[dict[str, Any]]:
    return [{"code": status, "description": str(m)} for m in messages]


def discovery_tree(
    *, url: str, changeset: datetime | None, contact: str, key_service: str, production: bool
) -> dict[str, Any]:
    stamp = w3(changeset) or FIRST_CHANGESET
    return {
        "changeset": stamp,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": stamp,
                "type": "production" if production else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def _keywords(category: Category) -> str:
    words = [category.name, category.parent.name if category.parent else "", category.code.replace("_", " ")]
    return ", ".join(dict.fromkeys(w for w in words if w))


def service_tree(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": bool(getattr(category, "has_metadata", False)),
        "type": "realtime",
        "keywords": _keywords(category),
        "group": (category.parent or category).name,
    }


def _attribute_tree(attribute: ServiceAttribute) -> dict[str, Any]:
    tree: dict[str, Any] = {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
    }
    if attribute.datatype in LIST_DATATYPES:
        tree["values"] = [{"key": str(v["key"]), "name": str(v["name"])} for v in attribute.values]
    return tree


def definition_tree(category: Category, attributes: list[ServiceAttribute]) -> dict[str, Any]:
    return {"service_code": category.code, "attributes": [_attribute_tree(a) for a in attributes]}


def service_notice(category: Category) -> str:
    return _("将在 %(a)s 个工作日内受理，受理后 %(c)s 个工作日内办结") % {
        "a": category.accept_days,
        "c": category.complete_days,
    }


def created_tree(submission: Submission) -> list[dict[str, Any]]:
    return [
        {
            "service_request_id": str(submission.order_id),
            "service_notice": service_notice(submission.order.category),
            "account_id": submission.account_id or None,
        }
    ]


# ---- requests --------------------------------------------------------------------------------


def _note(event: OrderEvent, order: Order, departments: dict[int, str]) -> str:
    """What happened, in a fixed Chinese phrase: organizations and departments by name, no free text."""
    org = event.org.name if event.org else _("承接组织")
    mentioned = (event.data or {}).get("department")
    dept = (
        event.department.name
        if event.department
        else departments.get(mentioned if isinstance(mentioned, int) else 0, _("职能部门"))
    )
    if event.action == "created":
        if event.department:
            return _("已受理，已转交%(d)s办理") % {"d": dept}
        return _("已受理，已派给%(o)s，等待确认接单") % {"o": org} if event.org else _("已受理，等待社会组织接单")
    phrases = {
        "claimed": _("%(o)s已接单，正在安排服务"),
        "accepted": _("%(o)s已确认接单，正在安排服务"),
        "rejected": _("承接组织未能接单，社区正在重新安排"),
        "reassigned": _("已改派给%(o)s，等待确认接单") if event.org else _("已重新发布到服务大厅，等待社会组织接单"),
        "completed": _("%(o)s已完成服务，等待确认"),
        "confirmed": _("服务已确认完成，已办结"),
        "auto_closed": _("服务完成后无人确认，系统已自动办结"),
        "reopened": _("需求人对结果有异议，已重新办理"),
        "cancelled": _("需求人已撤销该需求"),
        "forwarded": _("已转交%(d)s办理"),
        "signed": _("%(d)s已签收，正在办理"),
        "replied": _("%(d)s已答复，等待确认"),
        "returned": _("%(d)s已退回，社区正在重新安排"),
        "reminded": _("社区已催办，正在加快办理"),
        "rated": _("需求人已评价，已办结") if event.from_state != event.to_state else _("已收到服务评价"),
    }
    phrase = phrases.get(event.action)
    return phrase % {"o": org, "d": dept} if phrase else order.get_state_display()


def _updated(order: Order, events: list[OrderEvent]) -> datetime:
    """Last modified; for a closed request, when it was closed (its last change of state)."""
    if order.state in CLOSED_STATES:
        changes = [e for e in events if e.from_state != e.to_state]
        return changes[-1].at if changes else order.created_at
    return events[-1].at if events else order.created_at


def _agency(order: Order) -> str:
    if order.org is not None:
        return order.org.name
    if order.department is not None:
        return order.department.name
    if order.state in CLOSED_STATES:
        return order.community.display_name
    return _("%(c)s（待派单）") % {"c": order.community.display_name}


def _rounded(value: Decimal | None) -> float | None:
    return float(value.quantize(COORDINATE_PLACES)) if value is not None else None


def _answers_tree(submission: Submission, attributes: list[ServiceAttribute]) -> list[dict[str, Any]]:
    by_code = {a.code: a for a in attributes}
    out = []
    for code, answer in (submission.attributes or {}).items():
        attribute = by_code.get(code)
        item: dict[str, Any] = {"code": code, "label": attribute.description if attribute else code}
        if attribute is not None and attribute.datatype in LIST_DATATYPES:
            names = {str(v["key"]): str(v["name"]) for v in attribute.values}
            keys = answer if isinstance(answer, list) else [answer]
            item["values"] = [{"key": k, "name": names.get(k, k)} for k in keys]
        else:
            # Free-text answers are published under the same rule as the description.
            item["value"] = (
                mask_text(str(answer)) if attribute is None or attribute.datatype in ("string", "text") else str(answer)
            )
        out.append(item)
    return out


def request_tree(
    submission: Submission, *, departments: dict[int, str], attributes: list[ServiceAttribute] | None = None
) -> dict[str, Any]:
    """One service request as GET requests shows it; ``attributes`` given means ``extensions=true``."""
    order = submission.order
    events = list(order.events.all())
    tree: dict[str, Any] = {
        "service_request_id": str(order.pk),
        "status": "closed" if order.state in CLOSED_STATES else "open",
        "status_notes": _note(events[-1], order, departments) if events else order.get_state_display(),
        "service_name": order.category.name,
        "service_code": order.category.code,
        "description": mask_text(submission.description) or None,
        "agency_responsible": _agency(order),
        "service_notice": service_notice(order.category),
        "requested_datetime": w3(order.created_at),
        "updated_datetime": w3(_updated(order, events)),
        "expected_datetime": w3(order.complete_by or order.accept_by),
        "address": mask_address(mask_text(submission.address_string)) if submission.address_string else None,
        "address_id": None,
        "zipcode": None,
        "lat": _rounded(submission.lat),
        "long": _rounded(submission.lng),
        "media_url": submission.media_url or None,
    }
    if attributes is not None:
        tree["attributes"] = _answers_tree(submission, attributes)
        tree["extended_attributes"] = {
            "channel": order.channel,
            "state": order.state,
            "state_label": str(order.get_state_display()),
            "order_number": order.number,
            "community": order.community.display_name,
            "community_code": order.community.code,
            "grid": order.area.display_name if order.area_id != order.community_id else None,
        }
        tree["notes"] = [
            {"datetime": w3(e.at), "type": e.action, "description": _note(e, order, departments)} for e in events
        ]
    return tree
