"""Authentication endpoints: tokens for integrations and scripts, and who am I."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from gongzhi.accounts.models import ApiToken
from gongzhi.accounts.permissions import get_for
from gongzhi.accounts.selectors import roles_of, tokens_for
from gongzhi.accounts.services import login_check, token_issue, token_revoke, token_revoke_raw
from gongzhi.core.context import client_ip
from gongzhi.core.errors import ValidationFailed

router = Router(tags=["认证 auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


class RoleOut(Schema):
    role: str
    role_label: str
    scope: str
    area: str | None
    organization: int | None
    department: int | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    elder_mode: bool
    roles: list[RoleOut]


class TokenInfoOut(Schema):
    id: int
    prefix: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class MessageOut(Schema):
    detail: str


@router.post("/token", auth=None, response={200: TokenOut}, summary="用户名和密码换取令牌")
def obtain_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    user = login_check(username=payload.username, password=payload.password, ip=client_ip(request), request=request)
    _token, raw = token_issue(user=user, name=payload.name or "api")
    return {"token": raw, "token_type": "Bearer"}


@router.delete("/token", response={200: MessageOut}, summary="吊销当前请求所用的令牌")
def revoke_current_token(request: HttpRequest) -> dict[str, str]:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    raw = header.split(" ", 1)[1].strip() if header.lower().startswith("bearer ") else ""
    if not raw or not token_revoke_raw(raw=raw):
        raise ValidationFailed({"Authorization": [_("请以 Bearer 令牌调用此接口，以吊销该令牌")]})
    return {"detail": _("令牌已吊销")}


@router.get("/me", response=MeOut, summary="当前用户及其角色")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": getattr(user, "display_name", ""),
        "elder_mode": getattr(user, "elder_mode", False),
        "roles": roles_of(user),
    }


@router.get("/tokens", response=list[TokenInfoOut], summary="我的令牌")
def my_tokens(request: HttpRequest) -> object:
    return tokens_for(request.user)


@router.post("/tokens/{token_id}/revoke", response=TokenInfoOut, summary="吊销我的某个令牌")
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    token = get_for(ApiToken.objects.all(), request.user, "revoke", pk=token_id)
    return token_revoke(actor=request.user, token=token)
