"""The GeoReport v2 endpoints under /open311/v2/: discovery, services, service definitions, requests.

Thin: read the parameters (an empty one counts as absent, as the spec says), call one selector or
service, write the document in the format the URL asks for. Every refusal is the spec's error list
``[{code, description}]``: 404 for what does not exist, 403 for a missing, wrong or revoked
``api_key`` (or one used outside its area), 400 for everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from gongzhi.open311 import selectors
from gongzhi.open311.parsing import attribute_key, clean_text, is_number, parse_datetime, split_list
from gongzhi.open311.selectors import bi
from gongzhi.open311.serializers import (
    FORMATS,
    created_tree,
    definition_tree,
    discovery_tree,
    errors_tree,
    render,
    request_tree,
    service_tree,
)
from gongzhi.open311.services import Posted, request_create

MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000  # the spec's default limit: 90 days or the first 1000 requests
MAX_IDS = 200
View = Callable[..., HttpResponse]


# ---- responses -------------------------------------------------------------------------------


def respond(fmt: str, root: str, tree: Any, status: int = 200) -> HttpResponse:
    response = HttpResponse(render(fmt, root, tree), status=status, content_type=FORMATS[fmt])
    # Public data, no cookies involved: browser-based civic clients may read it from anywhere.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _status(exc: ApplicationError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    return 400


def fail(fmt: str, exc: ApplicationError) -> HttpResponse:
    messages = (
        [m for msgs in exc.errors.values() for m in msgs] if isinstance(exc, ValidationFailed) else [str(exc.message)]
    )
    status = _status(exc)
    return respond(fmt, "errors", errors_tree(status, messages), status)


def endpoint(*methods: str) -> Callable[[View], View]:
    """Allow only ``methods`` and answer every domain error in the spec's error format.

    CSRF checks are off: no endpoint acts on a browser session (the one write is authenticated by
    its api_key), and a civic client must get the spec's error, not Django's CSRF page.
    """

    def wrap(view: View) -> View:
        @wraps(view)
        def inner(request: HttpRequest, *args: Any, fmt: str = "xml", **kwargs: Any) -> HttpResponse:
            if request.method not in (*methods, "HEAD" if "GET" in methods else ""):
                error = ValidationFailed(
                    {
                        "method": [
                            bi(
                                _("不支持 %(m)s 请求，请使用 %(ok)s") % {"m": request.method, "ok": "、".join(methods)},
                                f"method {request.method} is not supported",
                            )
                        ]
                    }
                )
                response = fail(fmt, error)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except ApplicationError as exc:
                return fail(fmt, exc)

        return csrf_exempt(inner)

    return wrap


# ---- parameters --------------------------------------------------------------------------------


def param(data: QueryDict, name: str) -> str | None:
    """A parameter's value; empty or blank is the same as absent."""
    value = data.get(name)
    return clean_text(value).strip() or None if value is not None else None


def _jurisdiction(request: HttpRequest, data: QueryDict | None = None) -> Any:
    jurisdiction_id = param(data, "jurisdiction_id") if data is not None else None
    return selectors.jurisdiction_resolve(request.user, jurisdiction_id or param(request.GET, "jurisdiction_id"))


def _positive(data: QueryDict, name: str, default: int, most: int, errors: dict[str, list[str]]) -> int:
    raw = param(data, name)
    if raw is None:
        return default
    if not is_number(raw) or not 1 <= int(raw) <= most:
        errors[name] = [
            bi(
                _("%(p)s 应为 1 到 %(n)s 之间的整数") % {"p": name, "n": most},
                f"{name} must be an integer from 1 to {most}",
            )
        ]
        return default
    return int(raw)


def _date(data: QueryDict, name: str, errors: dict[str, list[str]]) -> datetime | None:
    raw = param(data, name)
    if raw is None:
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        errors[name] = [
            bi(
                _("%(p)s 应为 W3C 日期时间格式，例如 2026-01-01T00:00:00+08:00") % {"p": name},
                f"{name} must use the w3 format, e.g. 2010-01-01T00:00:00Z",
            )
        ]
        return None


def _window(data: QueryDict, errors: dict[str, list[str]]) -> tuple[datetime | None, datetime | None]:
    """start_date/end_date: at most 90 days; what is left out defaults to a 90-day window."""
    start, end = _date(data, "start_date", errors), _date(data, "end_date", errors)
    if errors:
        return None, None
    if start and end:
        if end < start:
            errors["end_date"] = [bi(_("end_date 不能早于 start_date"), "end_date is before start_date")]
        elif end - start > MAX_SPAN:
            errors["end_date"] = [bi(_("查询时间范围不能超过 90 天"), "the date range may not span more than 90 days")]
        return start, end
    if start:
        return start, start + MAX_SPAN
    end = end or timezone.now()
    return end - MAX_SPAN, end


def _flag(data: QueryDict, name: str, errors: dict[str, list[str]]) -> bool:
    raw = (param(data, name) or "false").lower()
    if raw not in ("true", "false", "1", "0"):
        errors[name] = [bi(_("%(p)s 只能是 true 或 false") % {"p": name}, f"{name} must be true or false")]
    return raw in ("true", "1")


def _search(request: HttpRequest, jurisdiction: Any) -> tuple[Any, bool]:
    """The filters of GET requests, checked together; returns the page of submissions and the extensions flag."""
    data = request.GET
    errors: dict[str, list[str]] = {}
    page = _positive(data, "page", 1, 10**6, errors)
    size = _positive(data, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE, errors)
    extensions = _flag(data, "extensions", errors)
    ids = split_list(param(data, "service_request_id"))
    filters: dict[str, Any] = {}
    if ids:
        if len(ids) > MAX_IDS or not all(is_number(i) for i in ids):
            errors["service_request_id"] = [
                bi(
                    _("service_request_id 应为以逗号分隔的请求编号，最多 %(n)s 个") % {"n": MAX_IDS},
                    "service_request_id must be a comma-delimited list of request ids",
                )
            ]
        filters["ids"] = [int(i) for i in ids if is_number(i)]
    else:
        codes = split_list(param(data, "service_code"))
        unknown = selectors.unknown_service_codes(codes)
        if unknown:
            errors["service_code"] = [
                bi(
                    _("找不到服务 %(codes)s，可用的服务见 services 列表") % {"codes": "、".join(unknown)},
                    f"unknown service_code: {', '.join(unknown)}",
                )
            ]
        statuses = [s.lower() for s in split_list(param(data, "status"))]
        if any(s not in ("open", "closed") for s in statuses):
            errors["status"] = [
                bi(_("status 只能是 open 或 closed（可用逗号分隔）"), "status must be open and/or closed")
            ]
        filters.update(codes=codes or None, statuses=statuses or None)
        filters["start"], filters["end"] = _window(data, errors)
    if errors:
        raise ValidationFailed(errors)
    qs = selectors.requests_search(request.user, jurisdiction, **filters)
    return qs[(page - 1) * size : page * size], extensions


def _posted(data: QueryDict) -> Posted:
    attributes: dict[str, list[str]] = {}
    for name, values in data.lists():
        parsed = attribute_key(name)
        if parsed:
            attributes.setdefault(parsed[0], []).extend(clean_text(v) for v in values)
    fields = (
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "description",
        "media_url",
        "first_name",
        "last_name",
        "phone",
        "email",
        "account_id",
    )
    return Posted(**{f: param(data, f) for f in fields}, attributes=attributes)


# ---- endpoints -------------------------------------------------------------------------------


def _endpoint_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("open311:root")).rstrip("/")


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    served = list(selectors.jurisdictions(request.user))
    contact = "；".join(j.contact for j in served if j.contact) or _("请联系平台运营方（区民政局）")
    key_service = "；".join(j.key_service for j in served if j.key_service) or _(
        "接口密钥由平台管理员为每个接入系统单独签发，请联系平台运营方申请"
    )
    tree = discovery_tree(
        url=_endpoint_url(request),
        changeset=selectors.changeset(request.user),
        contact=contact,
        key_service=key_service,
        production=not settings.DEBUG,
    )
    return respond(fmt, "discovery", tree)


def root(request: HttpRequest) -> HttpResponse:
    """The endpoint's root serves the discovery document, as the spec recommends."""
    return discovery(request, fmt="xml")


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    _jurisdiction(request)
    return respond(fmt, "services", [service_tree(c) for c in selectors.services()])


@endpoint("GET")
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    _jurisdiction(request)
    category = selectors.service_get(service_code)
    attributes = selectors.service_attributes(request.user, category)
    return respond(fmt, "service_definition", definition_tree(category, attributes))


def _request_list(request: HttpRequest, fmt: str, submissions: list[Any], extensions: bool) -> HttpResponse:
    departments = selectors.department_names(submissions)
    labels = selectors.attributes_by_category(request.user, submissions) if extensions else None
    tree = [
        request_tree(s, departments=departments, attributes=labels[s.order.category_id] if labels else None)
        for s in submissions
    ]
    return respond(fmt, "service_requests", tree)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise ValidationFailed(
            {
                "content_type": [
                    bi(
                        _("请以 application/x-www-form-urlencoded 表单格式提交"),
                        "POST requests must be sent as application/x-www-form-urlencoded",
                    )
                ]
            }
        )
    api_key = selectors.api_key_find(param(request.POST, "api_key") or param(request.GET, "api_key"))
    if api_key is None:
        raise PermissionDenied(
            bi(
                _("缺少或无效的 api_key，无法提交请求"),
                "Invalid api_key received -- can't proceed with create_request.",
            )
        )
    jurisdiction = _jurisdiction(request, request.POST)
    submission = request_create(api_key=api_key, jurisdiction=jurisdiction, posted=_posted(request.POST))
    return respond(fmt, "service_requests", created_tree(submission))


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    jurisdiction = _jurisdiction(request)
    page, extensions = _search(request, jurisdiction)
    return _request_list(request, fmt, list(page), extensions)


@endpoint("GET")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    errors: dict[str, list[str]] = {}
    extensions = _flag(request.GET, "extensions", errors)
    if errors:
        raise ValidationFailed(errors)
    return _request_list(request, fmt, [selectors.request_get(request.user, jurisdiction, request_id)], extensions)


@endpoint("GET")
def token(request: HttpRequest, token_id: str, fmt: str) -> HttpResponse:
    _jurisdiction(request)
    raise NotFound(
        bi(
            _(
                "找不到 token %(t)s：本平台的服务都是实时（realtime）受理，提交后直接返回 service_request_id，"
                "不签发 token"
            )
            % {"t": token_id},
            "token not found: every service here is realtime and returns service_request_id",
        )
    )


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /open311/v2/: the spec's 404, in the format the path asks for."""
    fmt = "json" if rest.endswith(".json") else "xml"
    return fail(
        fmt, NotFound(bi(_("没有这个接口地址，可用的接口见 discovery.xml"), "no such resource; see discovery.xml"))
    )
