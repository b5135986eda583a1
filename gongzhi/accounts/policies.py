"""Who may see users, their grants and tokens."""

from django.db.models import Q

from gongzhi.accounts.models import ApiToken, Grant, User
from gongzhi.accounts.permissions import Policy, register


def _self(field: str):  # type: ignore[no-untyped-def]
    return lambda g: Q(**{field: g.user.pk}) if g.authenticated else None


@register(User)
class UserPolicy(Policy):
    rules = {"view": _self("pk"), "change": _self("pk")}


@register(Grant)
class GrantPolicy(Policy):
    rules = {"view": _self("user_id")}


@register(ApiToken)
class ApiTokenPolicy(Policy):
    rules = {"view": _self("user_id"), "revoke": _self("user_id")}
