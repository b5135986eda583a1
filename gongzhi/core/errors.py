"""Domain errors: the one vocabulary services use to refuse, mapped to HTTP in one place.

Services raise these; the API (``gongzhi.api``) and the web views turn them into responses.
Messages are Chinese through the translation machinery and say what to fix.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: Any = None, *, extra: dict[str, Any] | None = None) -> None:
        self.message = message if message is not None else _("请求无法完成")
        self.extra = extra or {}
        super().__init__(str(self.message))

    def payload(self) -> dict[str, Any]:
        return {"code": self.code, "detail": str(self.message), **self.extra}


class ValidationFailed(ApplicationError):
    """Bad input: ``errors`` maps a field name to the list of what is wrong with it."""

    status = 422
    code = "validation_error"

    def __init__(self, errors: dict[str, list[Any]] | str, message: Any = None) -> None:
        if isinstance(errors, str):
            errors = {"__all__": [errors]}
        self.errors = {field: [str(m) for m in msgs] for field, msgs in errors.items()}
        first = next(iter(self.errors.values()))[0]
        super().__init__(message or first)

    def payload(self) -> dict[str, Any]:
        return {"code": self.code, "detail": str(self.message), "errors": self.errors}


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _("您没有权限执行此操作"))


class NotFound(ApplicationError):
    """Also what an outsider gets for an object they may not see: no leak of its existence."""

    status = 404
    code = "not_found"

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _("未找到，或您无权查看"))


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class IllegalState(Conflict):
    """A transition not allowed from the object's current state; says which state it is in."""

    code = "illegal_state"

    def __init__(self, message: Any, *, state: str, state_label: Any = "", **extra: Any) -> None:
        super().__init__(message, extra={"state": state, "state_label": str(state_label), **extra})


class RateLimited(ApplicationError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: Any, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message, extra={"retry_after": retry_after})
