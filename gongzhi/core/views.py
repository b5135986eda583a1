"""Pages of the shell: the public home, each role's workspace, elder mode, health."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for
from gongzhi.accounts.selectors import primary_role, roles_of
from gongzhi.accounts.services import user_set_elder_mode
from gongzhi.core.middleware import ELDER_COOKIE
from gongzhi.core.workspace import ROLE_HOMES, panels_for


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    role = primary_role(request.user)
    title, intro = ROLE_HOMES.get(role or "", (None, None))
    roles = grants_for(request.user).roles() | ({Role.ADMIN.value} if role == Role.ADMIN else set())
    return render(
        request,
        "core/workspace.html",
        {
            "role": role,
            "title": title,
            "intro": intro,
            "scopes": roles_of(request.user),
            "panels": panels_for(request, roles),
        },
    )


@require_POST
def elder_toggle(request: HttpRequest) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    if request.user.is_authenticated:
        user_set_elder_mode(user=request.user, enabled=enabled)  # type: ignore[arg-type]
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        ELDER_COOKIE,
        "1" if enabled else "0",
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; the icon is a static file with far-future caching
    (its name is only known at run time, once the static files are collected)."""
    return redirect(static("gongzhi/favicon.ico"), permanent=True)


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
