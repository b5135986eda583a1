"""Writes for accounts: users, grants, login with throttling, API tokens."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AREA_ROLES, DEPT_ROLES, ORG_ROLES, ApiToken, Grant, LoginFailure, Role, User
from gongzhi.accounts.permissions import forget_grants
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import RateLimited, ValidationFailed
from gongzhi.core.rows import columns, table

TOKEN_PREFIX = "gz_"  # noqa: S105 - a marker, not a secret


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    display_name: str = "",
    phone: str = "",
    is_superuser: bool = False,
    check_password: bool = True,
) -> User:
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("请填写用户名")]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("用户名“%(name)s”已被使用，请换一个") % {"name": username}]
    if password and check_password:
        try:
            validate_password(password, User(username=username, display_name=display_name))
        except DjangoValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        user = User(
            username=username,
            display_name=display_name,
            phone=phone,
            is_superuser=is_superuser,
            is_staff=is_superuser,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit_record(actor=actor, action="accounts.user.created", target=user, data={"username": username})
    return user


def grant_add(
    *, actor: Any, user: User, role: str, area: Any = None, organization: Any = None, department: Any = None
) -> Grant:
    """Give ``user`` a role in a scope; the scope must fit the role."""
    if role not in Role.values:
        raise ValidationFailed({"role": [_("未知角色：%(role)s") % {"role": role}]})
    if role in AREA_ROLES and (area is None or organization or department):
        raise ValidationFailed({"area": [_("该角色需要指定一个区域")]})
    if role in ORG_ROLES and (organization is None or area or department):
        raise ValidationFailed({"organization": [_("该角色需要指定一个社会组织")]})
    if role in DEPT_ROLES and (department is None or area is None or organization):
        raise ValidationFailed({"department": [_("职能部门工作人员需要指定部门和区域")]})
    if role in (Role.ADMIN, Role.EXPERT) and (area or organization or department):
        raise ValidationFailed({"role": [_("该角色不限定范围，请勿指定区域或组织")]})
    with transaction.atomic():
        grant, created = Grant.objects.get_or_create(
            user=user,
            role=role,
            area=area,
            organization=organization,
            department=department,
            defaults={"granted_by": actor if getattr(actor, "pk", None) else None},
        )
        if created:
            forget_grants(user)  # grants are cached on the user object; the new one counts at once
            audit_record(
                actor=actor,
                action="accounts.grant.added",
                target=user,
                data={
                    "role": role,
                    "area": getattr(area, "code", None),
                    "organization": getattr(organization, "pk", None),
                    "department": getattr(department, "pk", None),
                },
            )
    return grant


# ---- login throttling ----------------------------------------------------------------------------------
# Brute force is kept out without handing anyone a lock-out button (docs/decisions.md, "Login throttling"):
# * per account AND address: a few failures, then that pair waits out the window. An attacker on one address
#   cannot go on guessing; the owner elsewhere is not affected.
# * per account from anywhere, and per address across accounts: much higher limits (many addresses guessing
#   one account; one address trying many accounts). They do not apply to a device the owner signed in from
#   before (a signed cookie set at a successful login), so nobody can lock the owner out by failing on purpose,
#   and a community centre behind one NAT keeps working for everyone who has signed in there before.
# * attempts are counted atomically: each attempt is written down first and only then counted, so of any number
#   of parallel attempts at most the limit get as far as checking the password.

DEVICE_COOKIE = "gz_device"
DEVICE_SALT = "gongzhi.accounts.device"


def device_token(user: User) -> str:
    """The value of the known-device cookie set at a successful web login."""
    return signing.dumps({"u": user.pk}, salt=DEVICE_SALT)


def device_user_id(value: str | None) -> int | None:
    """Whose known device sent this cookie (None if none, forged or older than LOGIN_DEVICE_DAYS)."""
    if not value:
        return None
    try:
        data = signing.loads(value, salt=DEVICE_SALT, max_age=settings.LOGIN_DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return None
    return int(data["u"]) if isinstance(data, dict) and "u" in data else None


def _locked(qs: Any, limit: int, message: Any) -> None:
    times = list(qs.order_by("at").values_list("at", flat=True)[: limit + 1])
    if len(times) > limit:
        # Waits until the failure that made the count too high slides out of the window.
        unlock = times[len(times) - limit - 1] + timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)
        wait = max(1, math.ceil((unlock - timezone.now()).total_seconds()))
        raise RateLimited(message % {"minutes": max(1, math.ceil(wait / 60))}, retry_after=wait)


def _throttle(name: str, ip: str | None, known_device: bool) -> None:
    """Raise RateLimited if this attempt (already written down) is one too many."""
    recent = LoginFailure.objects.filter(at__gte=timezone.now() - timedelta(seconds=settings.LOGIN_WINDOW_SECONDS))
    _locked(
        recent.filter(username=name, ip=ip),
        settings.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        _("该账号在此设备上登录失败次数过多，已暂时锁定。请 %(minutes)s 分钟后再试，或联系社区工作人员重置密码。"),
    )
    if known_device:
        return
    _locked(
        recent.filter(username=name),
        settings.LOGIN_MAX_FAILURES_PER_ACCOUNT_ANYWHERE,
        _("该账号近期登录失败次数过多，请 %(minutes)s 分钟后再试，或在您以前登录过的设备上登录。"),
    )
    if ip:
        _locked(
            recent.filter(ip=ip),
            settings.LOGIN_MAX_FAILURES_PER_IP,
            _("此网络地址登录失败次数过多，请 %(minutes)s 分钟后再试。"),
        )


def login_check(
    *, username: str, password: str, ip: str | None, request: Any = None, device: str | None = None
) -> User:
    """Authenticate, counting failures per account and address (see above). Raises on refusal.

    ``device`` is the known-device cookie's value, if the browser sent one."""
    username = (username or "").strip()
    if not username or not password:
        raise ValidationFailed({"username" if not username else "password": [_("请输入用户名和密码")]})
    if "\x00" in username:  # PostgreSQL cannot even look such a name up
        raise ValidationFailed({"password": [_("用户名或密码不正确")]})
    name = username.lower()
    known = device_user_id(device)
    known_device = known is not None and User.objects.filter(pk=known, username__iexact=name).exists()
    attempt = LoginFailure.objects.create(username=name, ip=ip, at=timezone.now())
    _throttle(name, ip, known_device)
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise ValidationFailed({"password": [_("用户名或密码不正确")]})
    with transaction.atomic():
        LoginFailure.objects.filter(username=name, ip=ip).delete()
        LoginFailure.objects.filter(pk=attempt.pk).delete()
        audit_record(actor=user, action="accounts.user.logged_in", target=user, ip=ip)
    return user  # type: ignore[return-value]


def token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new bearer token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, key_hash=_hash_token(raw), prefix=raw[:8], name=name[:100])
        audit_record(actor=user, action="accounts.token.issued", target=token, data={"prefix": token.prefix})
    return token, raw


def token_authenticate(raw: str) -> User | None:
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    # Every API request runs this: one hand-written query (the ORM's compilation of the same join cost more
    # than running it), which also says whether the last use is older than a minute. A hash matches one
    # token at most, so no ORDER BY. User.objects.raw converts the user's fields as the ORM does.
    q = connection.ops.quote_name
    user_columns = columns("u", User, [f.attname for f in User._meta.concrete_fields])
    sql = (
        f"SELECT {user_columns}, t.{q('id')} AS {q('token_id')}, CASE WHEN t.{q('last_used_at')} IS NULL "  # noqa: S608
        f"OR t.{q('last_used_at')} < %s THEN 1 ELSE 0 END AS {q('token_stale')} "
        f"FROM {table(ApiToken)} t JOIN {table(User)} u ON u.{q('id')} = t.{q('user_id')} "
        f"WHERE t.{q('key_hash')} = %s AND t.{q('revoked_at')} IS NULL AND t.{q('created_at')} > %s"
    )
    stale_before = connection.ops.adapt_datetimefield_value(now - timedelta(minutes=1))
    issued_after = connection.ops.adapt_datetimefield_value(now - timedelta(days=settings.TOKEN_DAYS))
    user = next(iter(User.objects.raw(sql, [stale_before, _hash_token(raw), issued_after])), None)
    if user is None or not user.is_active:
        return None
    # Touch last use at most once a minute: a write per request would serialize busy integrations.
    if getattr(user, "token_stale"):  # noqa: B009 (a column of the raw query, unknown to the model)
        ApiToken.objects.filter(pk=getattr(user, "token_id")).update(last_used_at=now)  # noqa: B009
    return user


def password_change(*, actor: User, current: str, new: str, new_again: str) -> User:
    """The user changes their own password with the current one; every API token they had stops working
    (whoever held one learnt it under the old password), and the change is audited."""
    errors: dict[str, list[Any]] = {}
    if not actor.check_password(current or ""):
        errors["current"] = [_("当前密码不正确")]
    if new != new_again:
        errors["new_again"] = [_("两次输入的新密码不一致")]
    elif new == current:
        errors["new"] = [_("新密码不能与当前密码相同")]
    else:
        try:
            password_validation.validate_password(new, actor)
        except DjangoValidationError as problems:
            errors["new"] = list(problems.messages)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        actor.set_password(new)
        actor.save(update_fields=["password"])
        revoked = ApiToken.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(actor=actor, action="accounts.password.changed", target=actor, data={"tokens_revoked": revoked})
    return actor


def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="accounts.token.revoked", target=token, data={"prefix": token.prefix})
    return token


def token_revoke_raw(*, raw: str) -> bool:
    token = ApiToken.objects.filter(key_hash=_hash_token(raw), revoked_at__isnull=True).select_related("user").first()
    if token is None:
        return False
    token_revoke(actor=token.user, token=token)
    return True


def user_set_elder_mode(*, user: User, enabled: bool) -> None:
    User.objects.filter(pk=user.pk).update(elder_mode=enabled)
    user.elder_mode = enabled
