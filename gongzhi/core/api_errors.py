"""The one place domain errors become HTTP responses for the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied, RateLimited

# Pydantic's error types in the words a user can act on.
_PYDANTIC_MESSAGES = {
    "missing": lambda c: _("此项为必填项"),
    "string_type": lambda c: _("请填写文字"),
    "string_too_short": lambda c: _("至少需要 %(n)s 个字符") % {"n": c.get("min_length")},
    "string_too_long": lambda c: _("最多 %(n)s 个字符") % {"n": c.get("max_length")},
    "int_parsing": lambda c: _("请填写整数"),
    "int_type": lambda c: _("请填写整数"),
    "float_parsing": lambda c: _("请填写数字"),
    "bool_parsing": lambda c: _("请填写是或否（true/false）"),
    "greater_than_equal": lambda c: _("不能小于 %(n)s") % {"n": c.get("ge")},
    "less_than_equal": lambda c: _("不能大于 %(n)s") % {"n": c.get("le")},
    "greater_than": lambda c: _("必须大于 %(n)s") % {"n": c.get("gt")},
    "less_than": lambda c: _("必须小于 %(n)s") % {"n": c.get("lt")},
    "date_from_datetime_parsing": lambda c: _("日期格式应为 2026-01-31"),
    "date_parsing": lambda c: _("日期格式应为 2026-01-31"),
    "datetime_parsing": lambda c: _("时间格式应为 2026-01-31T09:00:00+08:00"),
    "datetime_from_date_parsing": lambda c: _("时间格式应为 2026-01-31T09:00:00+08:00"),
    "enum": lambda c: _("只能是以下之一：%(values)s") % {"values": c.get("expected", "")},
    "literal_error": lambda c: _("只能是以下之一：%(values)s") % {"values": c.get("expected", "")},
    "json_invalid": lambda c: _("请求体不是有效的 JSON"),
    "model_attributes_type": lambda c: _("请求体格式不正确，应为 JSON 对象"),
    "dict_type": lambda c: _("应为 JSON 对象"),
    "list_type": lambda c: _("应为列表"),
    "uuid_parsing": lambda c: _("格式不正确"),
    "value_error": lambda c: str(c.get("error", "")) or _("取值不正确"),
}


def _field_name(loc: list[Any]) -> str:
    # ninja prefixes the location with where the value came from (body, query, path, form, file).
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "file", "header", "cookie")]
    if len(parts) > 1 and parts[0] in ("payload", "data", "filters", "params"):
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def translate_validation_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for err in errors:
        kind = err.get("type", "")
        ctx = dict(err.get("ctx") or {})
        maker = _PYDANTIC_MESSAGES.get(kind)
        msg = maker(ctx) if maker else _("格式不正确（%(detail)s）") % {"detail": err.get("msg", kind)}
        if kind == "string_too_long" and isinstance(err.get("input"), str):
            # Say by how much: a resident who pasted a long text needs to know how much to cut.
            n, limit = len(err["input"]), ctx.get("max_length") or 0
            msg = _("最多 %(limit)s 个字，现在 %(n)s 个字，请删去 %(over)s 个字") % {
                "limit": limit,
                "n": n,
                "over": n - int(limit),
            }
        out.setdefault(_field_name(list(err.get("loc", []))), []).append(str(msg))
    return out


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, payload: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, payload, status=status)

    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        response = respond(request, exc.status, exc.payload())
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = translate_validation_errors(list(exc.errors))
        first = next(iter(errors.items()))
        detail = _("请检查“%(field)s”：%(msg)s") % {"field": first[0], "msg": first[1][0]}
        return respond(request, 422, {"code": "validation_error", "detail": detail, "errors": errors})

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request, 401, {"code": "not_authenticated", "detail": _("请先登录，或在 Authorization 头中提供有效令牌")}
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, NotFound().payload())

    @api.exception_handler(DjangoPermissionDenied)
    def denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return respond(request, 403, PermissionDenied().payload())

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        # e.g. a NUL byte or an out-of-range number that PostgreSQL refuses to store or compare.
        return respond(
            request, 422, {"code": "validation_error", "detail": _("请求中含有无法处理的字符或数值，请检查后重试")}
        )

    @api.exception_handler(OverflowError)
    def overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # The last line of defence: a date or number at the edge of what Python can compute (dates are
        # range-checked on the way in; see gongzhi.core.dates).
        msg = _("请求中的日期或数值超出可处理的范围，请检查后重试")
        return respond(request, 422, {"code": "validation_error", "detail": msg, "errors": {"__all__": [msg]}})

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc.message).startswith("Cannot parse request body"):
            # ninja could not read the body at all: the same 422 as any other bad input, in words to act on.
            msg = _("请求体不是有效的 JSON：请以 Content-Type: application/json 发送一个 JSON 对象")
            return respond(request, 422, {"code": "validation_error", "detail": msg, "errors": {"__all__": [msg]}})
        messages = {
            403: _("请求未通过安全校验（CSRF），请刷新页面后重试"),
            405: _("不支持该请求方法"),
        }
        detail = messages.get(exc.status_code) or str(exc.message)
        return respond(request, exc.status_code, {"code": "http_error", "detail": str(detail)})
