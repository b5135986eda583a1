"""Web pages for signing in and out, and the user's own account."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.forms import LoginForm, PasswordChangeForm
from gongzhi.accounts.models import ApiToken
from gongzhi.accounts.permissions import get_for
from gongzhi.accounts.selectors import roles_of, tokens_for
from gongzhi.accounts.services import DEVICE_COOKIE, device_token, login_check, password_change, token_revoke
from gongzhi.core.context import client_ip
from gongzhi.core.errors import RateLimited, ValidationFailed


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = login_check(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
                request=request,
                device=request.COOKIES.get(DEVICE_COOKIE),
            )
        except RateLimited as exc:
            form.add_error(None, str(exc.message))
            status = 429
        except ValidationFailed as exc:
            form.add_error(None, str(exc.message))
            status = 400
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            response = redirect(next_url or "core:workspace")
            response.set_cookie(
                DEVICE_COOKIE,
                device_token(user),
                max_age=settings.LOGIN_DEVICE_DAYS * 86400,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            return response
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已安全退出"))
    return redirect("core:home")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {
            "scopes": roles_of(request.user),
            "tokens": tokens_for(request.user)[:50],
            "token_days": settings.TOKEN_DAYS,
        },
    )


@login_required
def change_password(request: HttpRequest) -> HttpResponse:
    """我的账号 → 修改密码: with the current password; the session stays, the API tokens are revoked."""
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            password_change(actor=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            for field, problems in exc.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            status = 422
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改；以前签发的 API 令牌已全部吊销"))
            return redirect("accounts:account")
    elif request.method == "POST":
        status = 422
    return render(request, "accounts/password.html", {"form": form}, status=status)


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_for(ApiToken.objects.all(), request.user, "revoke", pk=token_id)
    token_revoke(actor=request.user, token=token)
    messages.success(request, _("令牌 %(prefix)s… 已吊销") % {"prefix": token.prefix})
    return redirect("accounts:account")
