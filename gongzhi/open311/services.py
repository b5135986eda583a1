"""Writes for Open311: issuing and revoking integration keys, and creating a service request.

A request becomes an ordinary order through ``gongzhi.orders.services.order_create`` — the same
service every channel uses — with channel ``open311`` and the key's own system user as the actor.
That user holds a resident grant on the key's area, which is what ``order_create`` checks before it
accepts the open311 channel for a community; this module checks the same scope first, to say so
clearly. What only Open311 carries (location as sent, media URL, answers) is kept in a ``Submission``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for
from gongzhi.accounts.services import grant_add, user_create
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.open311.models import ApiKey, Datatype, Jurisdiction, ServiceAttribute, Submission
from gongzhi.open311.parsing import normalize_phone, parse_datetime, parse_decimal, w3
from gongzhi.open311.selectors import (
    Place,
    bi,
    hash_key,
    key_area,
    place_at,
    place_named,
    service_attributes,
    service_get,
)
from gongzhi.orders.models import Category, Channel
from gongzhi.orders.services import PHONE, order_create

KEY_PREFIX = "o311_"
MAX_DESCRIPTION = 4000
MAX_STRING_ANSWER = 500
Errors = dict[str, list[str]]


# ---- keys ----------------------------------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    # ``actor=None`` is the operator at the command line or the demo loader.
    if actor is not None and not grants_for(actor).is_admin:
        raise PermissionDenied(_("只有系统管理员可以签发或吊销 Open311 接口密钥"))


def api_key_issue(*, actor: Any, name: str, area_code: str, raw_key: str | None = None) -> tuple[ApiKey, str]:
    """A key for one integration, allowed to post into ``area_code``'s subtree; the value is shown once.

    ``raw_key`` fixes the value (the demo's published key); otherwise a random one is made.
    """
    _require_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed({"name": [_("请填写接入方名称（最多 100 个字）")]})
    area = key_area(area_code)
    raw = raw_key or KEY_PREFIX + secrets.token_urlsafe(24)
    if len(raw) < 12:
        raise ValidationFailed({"key": [_("密钥至少 12 个字符")]})
    digest = hash_key(raw)
    if ApiKey.objects.filter(key_hash=digest).exists():
        raise ValidationFailed({"key": [_("该密钥已存在，请换一个")]})
    with transaction.atomic():
        user = user_create(
            actor=actor,
            username=f"open311-{digest[:10]}",
            password=None,
            display_name=(_("Open311 接口：%(name)s") % {"name": name})[:50],
        )
        # The system user may post into the key's area and, like a resident, see only what it posted.
        grant_add(actor=actor, user=user, role=Role.RESIDENT, area=area)
        key = ApiKey.objects.create(
            name=name,
            key_hash=digest,
            prefix=raw[:8],
            area=area,
            user=user,
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="open311.api_key.issued",
            target=key,
            data={"name": name, "area": area.code, "prefix": key.prefix},
        )
    return key, raw


def api_key_revoke(*, actor: Any, key_id: int) -> ApiKey:
    """Revoke a key at once; its system user is deactivated. Revoking twice changes nothing."""
    _require_admin(actor)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().select_related("user").filter(pk=key_id).first()
        if key is None:
            raise ValidationFailed({"key": [_("找不到编号为 %(id)s 的接口密钥") % {"id": key_id}]})
        if key.revoked_at is not None:
            return key
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        key.user.is_active = False
        key.user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="open311.api_key.revoked", target=key, data={"prefix": key.prefix})
    return key


# ---- requests ------------------------------------------------------------------------------------


@dataclass
class Posted:
    """The fields of ``POST requests``, as sent (blank ones already dropped to None)."""

    service_code: str | None = None
    lat: str | None = None
    long: str | None = None
    address_string: str | None = None
    address_id: str | None = None
    description: str | None = None
    media_url: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    account_id: str | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Location:
    place: Place | None = None
    lat: Decimal | None = None
    lng: Decimal | None = None


def _coordinates(posted: Posted, errors: Errors) -> tuple[Decimal | None, Decimal | None]:
    if (posted.lat is None) != (posted.long is None):
        errors["lat"] = [bi(_("lat 和 long 需要同时提供"), "lat and long must be sent together")]
        return None, None
    if posted.lat is None:
        return None, None
    try:
        lat, lng = parse_decimal(posted.lat), parse_decimal(posted.long or "")
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValueError
    except ValueError:
        errors["lat"] = [
            bi(
                _("lat/long 应为 WGS84 经纬度数字，例如 lat=29.95&long=122.30"),
                "lat/long must be WGS84 decimal degrees",
            )
        ]
        return None, None
    return lat.quantize(Decimal("0.000001")), lng.quantize(Decimal("0.000001"))


def _locate(jurisdiction: Jurisdiction, key: ApiKey, posted: Posted, errors: Errors) -> Location:
    """Which community (and grid) the request is in: by the address named, else by the nearest centre."""
    lat, lng = _coordinates(posted, errors)
    if "lat" in errors:
        return Location()
    if posted.address_string:
        place, candidates = place_named(jurisdiction, posted.address_string, prefer=key.area)
        if place is not None:
            return Location(place, lat, lng)
        if candidates:
            errors["address_string"] = [
                bi(
                    _("地址中出现了多个社区（%(names)s），请写明所在街道和社区")
                    % {"names": "、".join(a.display_name for a in candidates)},
                    "address_string names several communities; add the street and community",
                )
            ]
            return Location()
    if lat is not None and lng is not None:
        place, distance = place_at(None, jurisdiction, lat, lng)
        if place is not None:
            return Location(place, lat, lng)
        errors["lat"] = [
            bi(
                _("该位置（%(lat)s, %(lng)s）附近没有本辖区的社区%(far)s，请核对坐标，或用 address_string 写明社区名称")
                % {
                    "lat": lat,
                    "lng": lng,
                    "far": _("（最近的社区在 %(km).1f 公里外）") % {"km": distance / 1000} if distance else "",
                },
                "lat/long is not within any community of this jurisdiction",
            )
        ]
        return Location()
    if posted.address_string:
        errors["address_string"] = [
            bi(
                _("无法从地址“%(a)s”中识别社区，请在地址中写明社区名称，例如“东港街道兴普社区3号楼”")
                % {"a": posted.address_string[:100]},
                "no community of this jurisdiction is named in address_string",
            )
        ]
    elif posted.address_id:
        errors["address_id"] = [
            bi(
                _("本平台不使用 address_id，请提供 lat 和 long，或 address_string"),
                "address_id is not supported; send lat & long or address_string",
            )
        ]
    else:
        errors["location"] = [
            bi(_("请提供位置：lat 和 long，或 address_string"), "a location is required: lat & long, or address_string")
        ]
    return Location()


def _answer(attribute: ServiceAttribute, values: list[str]) -> str | list[str]:
    """One answer, checked against its datatype; raises ValueError with what to fix."""
    kind = attribute.datatype
    if kind == Datatype.MULTI:
        unknown = [v for v in values if v not in attribute.option_keys()]
        if unknown:
            raise ValueError(
                _("选项 %(v)s 不存在，可选：%(keys)s")
                % {"v": "、".join(unknown), "keys": "、".join(attribute.option_keys())}
            )
        return list(dict.fromkeys(values))
    if len(values) > 1:
        raise ValueError(_("只能填写一个值"))
    value = values[0]
    if kind == Datatype.SINGLE and value not in attribute.option_keys():
        raise ValueError(
            _("选项 %(v)s 不存在，可选：%(keys)s") % {"v": value, "keys": "、".join(attribute.option_keys())}
        )
    if kind == Datatype.NUMBER:
        try:
            return str(parse_decimal(value))
        except ValueError:
            raise ValueError(_("应为数字")) from None
    if kind == Datatype.DATETIME:
        try:
            return w3(parse_datetime(value)) or ""
        except ValueError:
            raise ValueError(_("应为日期时间，例如 2026-12-01T09:00:00+08:00")) from None
    if kind == Datatype.STRING and ("\n" in value or "\r" in value or len(value) > MAX_STRING_ANSWER):
        raise ValueError(_("应为一行文字，最多 %(n)s 个字") % {"n": MAX_STRING_ANSWER})
    if kind == Datatype.TEXT and len(value) > MAX_DESCRIPTION:
        raise ValueError(_("最多 %(n)s 个字") % {"n": MAX_DESCRIPTION})
    return value


def _answers(attributes: list[ServiceAttribute], sent: dict[str, list[str]], errors: Errors) -> dict[str, Any]:
    """The answers to the service's questions; required ones must be there, unknown ones are refused."""
    asked = {a.code: a for a in attributes if a.variable}
    answers: dict[str, Any] = {}
    for code, raw in sent.items():
        values = [v.strip() for v in raw if v.strip()]
        attribute = asked.get(code)
        if attribute is None:
            errors[f"attribute[{code}]"] = [
                bi(
                    _("该服务没有需要回答的附加问题 attribute[%(code)s]，可填写：%(codes)s")
                    % {"code": code, "codes": "、".join(asked) or "—"},
                    f"attribute {code} is not part of this service definition",
                )
            ]
        elif values:
            try:
                answers[code] = _answer(attribute, values)
            except ValueError as exc:
                errors[f"attribute[{code}]"] = [
                    bi(f"“{attribute.description}”（attribute[{code}]）：{exc}", f"invalid value for attribute {code}")
                ]
    for code, attribute in asked.items():
        if attribute.required and code not in answers and f"attribute[{code}]" not in errors:
            errors[f"attribute[{code}]"] = [
                bi(
                    _("请回答必填问题“%(q)s”（attribute[%(code)s]）") % {"q": attribute.description, "code": code},
                    f"attribute {code} is required",
                )
            ]
    return answers


def _requester(posted: Posted, errors: Errors) -> tuple[str, str, str]:
    """Name, phone and email of the person asking: stored as the order's contact, never published."""
    first, last = (posted.first_name or "").strip(), (posted.last_name or "").strip()
    # Chinese names are family name first; Latin ones given name first.
    name = f"{first} {last}".strip() if (first + last).isascii() else f"{last}{first}"
    if len(name) > 50:
        errors["first_name"] = [bi(_("姓名最多 50 个字"), "first_name + last_name: at most 50 characters")]
    phone = normalize_phone(posted.phone or "")
    if phone and not PHONE.match(phone):
        errors["phone"] = [bi(_("电话号码格式不正确：手机号 11 位，座机如 0580-3801234"), "phone number is not valid")]
    email = (posted.email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["email"] = [bi(_("邮箱地址格式不正确"), "email is not valid")]
    return name, phone, email


def _media_url(value: str | None, errors: Errors) -> str:
    url = (value or "").strip()
    if url:
        try:
            if len(url) > 500:
                raise DjangoValidationError("too long")
            URLValidator(schemes=["http", "https"])(url)
        except DjangoValidationError:
            errors["media_url"] = [
                bi(
                    _("media_url 应为 http 或 https 开头的网址，最多 500 个字符"),
                    "media_url must be an http(s) URL of at most 500 characters",
                )
            ]
    return url


def _title(category: Category, description: str) -> str:
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if len(first_line) < 2 or sum(ch.isalnum() for ch in first_line[:29]) < 2:
        return category.name  # a first line without words makes no title: the service's name does
    return first_line if len(first_line) <= 30 else first_line[:29] + "…"


def _label(attribute: ServiceAttribute, answer: Any) -> str:
    names = {str(v.get("key")): str(v.get("name")) for v in attribute.values or [] if isinstance(v, dict)}
    values = answer if isinstance(answer, list) else [answer]
    return "、".join(names.get(str(v), str(v)) for v in values)


def _order_text(description: str, answers: dict[str, Any], attributes: list[ServiceAttribute], media_url: str) -> str:
    """The order's description for those who handle it: the text, then the answers and the media link."""
    lines = [f"{a.description}：{_label(a, answers[a.code])}" for a in attributes if a.code in answers]
    if media_url:
        lines.append(_("图片/媒体：%(url)s") % {"url": media_url})
    text = description or _("（通过 Open311 提交，未填写描述）")
    if lines:
        block = "\n\n" + _("【附加信息】") + "\n" + "\n".join(lines)
        room = MAX_DESCRIPTION - len(text)
        text += block if len(block) <= room else (block[: max(0, room - 1)] + "…" if room > 1 else "")
    return text


@dataclass
class Checked:
    """A request that passed every check, ready to become an order."""

    category: Category
    place: Place
    location: Location
    description: str
    attributes: list[ServiceAttribute]
    answers: dict[str, Any]
    name: str
    phone: str
    email: str
    media_url: str


def _validate(jurisdiction: Jurisdiction, key: ApiKey, posted: Posted) -> Checked:
    """Check everything the client sent; all the 400-class problems are reported together."""
    errors: Errors = {}
    category = None
    if not posted.service_code:
        errors["service_code"] = [
            bi(_("请提供 service_code（服务代码），可用的服务见 services 列表"), "service_code is required")
        ]
    else:
        category = service_get(posted.service_code)  # 404 when unknown, as the spec says
    description = (posted.description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = [
            bi(
                _("description 最多 %(n)s 个字，当前 %(len)s 个字") % {"n": MAX_DESCRIPTION, "len": len(description)},
                "description is limited to 4000 characters",
            )
        ]
    location = _locate(jurisdiction, key, posted, errors)
    attributes = service_attributes(None, category) if category else []
    answers = _answers(attributes, posted.attributes, errors) if category else {}
    name, phone, email = _requester(posted, errors)
    media_url = _media_url(posted.media_url, errors)
    if errors or category is None or location.place is None:
        raise ValidationFailed(errors or {"location": [_("无法确定位置")]})
    return Checked(
        category=category,
        place=location.place,
        location=location,
        description=description,
        attributes=attributes,
        answers=answers,
        name=name,
        phone=phone,
        email=email,
        media_url=media_url,
    )


# order_create's field names, in the words of the Open311 parameters.
_ORDER_FIELDS = {
    "contact_phone": "phone",
    "title": "description",
    "description": "description",
    "community": "address_string",
    "grid": "address_string",
    "category": "service_code",
}


def request_create(*, api_key: ApiKey, jurisdiction: Jurisdiction, posted: Posted) -> Submission:
    """POST requests: validate, then create the order and its submission record in one transaction."""
    if not api_key.area.is_within(jurisdiction.area):
        raise PermissionDenied(
            bi(
                _("该接口密钥不属于辖区 %(j)s") % {"j": jurisdiction.area.code},
                "this api_key does not belong to this jurisdiction",
            )
        )
    v = _validate(jurisdiction, api_key, posted)
    place, category = v.place, v.category
    if not place.community.is_within(api_key.area):
        raise PermissionDenied(
            bi(
                _("该接口密钥只能提交%(area)s范围内的需求，%(c)s不在其中")
                % {"area": api_key.area.display_name, "c": place.community.display_name},
                "this api_key may not post requests located outside its area",
            )
        )
    address = (posted.address_string or "").strip()[:200] or _("坐标 %(lat)s, %(lng)s") % {
        "lat": v.location.lat,
        "lng": v.location.lng,
    }
    with transaction.atomic():
        try:
            order = order_create(
                actor=api_key.user,
                channel=Channel.OPEN311,
                category=category.code,
                title=_title(category, v.description),
                description=_order_text(v.description, v.answers, v.attributes, v.media_url),
                community=place.community.code,
                grid=place.grid.code if place.grid else None,
                address=address,
                contact_name=v.name,
                contact_phone=v.phone,
            )
        except ValidationFailed as exc:
            raise ValidationFailed({_ORDER_FIELDS.get(f, f): msgs for f, msgs in exc.errors.items()}) from exc
        submission = Submission.objects.create(
            order=order,
            api_key=api_key,
            jurisdiction=jurisdiction,
            description=v.description,
            address_string=(posted.address_string or "").strip()[:300],
            lat=v.location.lat,
            lng=v.location.lng,
            media_url=v.media_url,
            email=v.email,
            account_id=(posted.account_id or "").strip()[:100],
            attributes=v.answers,
            created_at=order.created_at,
        )
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=order.created_at)
        audit_record(
            actor=api_key.user,
            action="open311.request.created",
            target=order,
            data={
                "api_key": api_key.prefix,
                "service_code": category.code,
                "community": place.community.code,
                "attributes": sorted(v.answers),
            },
        )
    return submission
