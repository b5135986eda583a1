"""Request-wide middleware: the client address for audit, the elder-mode preference, and no caching of what a
signed-in person sees."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from gongzhi.core.context import client_ip, current_ip

ELDER_COOKIE = "gz_elder"


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class PrivateNoStoreMiddleware:
    """Pages and API answers for a signed-in person (or a bearer token) may show personal data: no browser,
    shared computer or proxy may keep a copy (``Cache-Control: no-store``). Anonymous pages keep their own
    caching (static files, the public pages)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)  # the API's bearer authentication sets it during the view
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


class ElderModeMiddleware:
    """Elder mode (large type, high contrast, fewer items) follows the user, or the browser if anonymous."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.elder_mode = bool(user.elder_mode)  # type: ignore[attr-defined]
        else:
            request.elder_mode = request.COOKIES.get(ELDER_COOKIE) == "1"  # type: ignore[attr-defined]
        return self.get_response(request)


class ApplicationErrorMiddleware:
    """Web views may let domain errors escape: show them as a Chinese error page with the right status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied

        if not isinstance(exception, ApplicationError):
            return None
        template = {NotFound: "errors/404.html", PermissionDenied: "errors/403.html"}.get(
            type(exception), "errors/problem.html"
        )
        return render(request, template, {"message": exception.message, "error": exception}, status=exception.status)
