"""Error pages in Chinese; the API has its own JSON errors (gongzhi.core.api_errors)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound, PermissionDenied

API_PREFIX = "/api/"


def _api(request: HttpRequest) -> bool:
    # An API client reads JSON, whatever went wrong and wherever (an unknown path never reaches the API's router).
    return request.path.startswith(API_PREFIX)


def _json(payload: dict[str, str], status: int) -> JsonResponse:
    return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return _json(NotFound(_("没有这个接口，或您无权查看：请对照 /api/v1/docs 检查路径")).payload(), 404)
    return render(request, "errors/404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return _json(PermissionDenied().payload(), 403)
    return render(request, "errors/403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return _json({"code": "server_error", "detail": _("服务器内部错误，已记录；请稍后重试")}, 500)
    return render(request, "errors/500.html", status=500)
