"""The REST API at /api/v1/: authentication, error mapping, and each domain's router."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from gongzhi.accounts.services import token_authenticate
from gongzhi.core import api_errors
from gongzhi.core.api_render import RENDERER


class BearerAuth(HttpBearer):
    openapi_description = "POST /api/v1/auth/token 获取令牌，然后以 Authorization: Bearer <token> 调用"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    renderer=RENDERER,
    title="共治 gongzhi API",
    version="1",
    description="社区共治平台接口。所有列表、详情、导出与统计均经过统一的权限过滤。",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=[BearerAuth(), SessionAuth()],
)
api_errors.install(api)


def _routers() -> None:
    from gongzhi.accounts.api import router as accounts_router
    from gongzhi.areas.api import router as areas_router
    from gongzhi.insights.api import router as insights_router
    from gongzhi.notify.api import router as notify_router
    from gongzhi.orders.api import categories_router, ledger_router
    from gongzhi.orders.api import router as orders_router
    from gongzhi.orgs.api import resources_router, talents_router
    from gongzhi.orgs.api import router as orgs_router
    from gongzhi.orgs.api.lists import router as lists_router
    from gongzhi.people.api import router as people_router

    api.add_router("/auth", accounts_router)
    api.add_router("/areas", areas_router)
    api.add_router("/orgs", orgs_router)
    api.add_router("/talents", talents_router)
    api.add_router("/resources", resources_router)
    api.add_router("/notifications", notify_router)
    api.add_router("/categories", categories_router)
    api.add_router("/orders", orders_router)
    api.add_router("/ledger", ledger_router)
    api.add_router("/insights", insights_router)
    api.add_router("/lists", lists_router)
    api.add_router("/people", people_router)


_routers()
