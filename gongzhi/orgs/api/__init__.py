"""The organization API: ``router`` (/orgs, with annual reports), ``talents_router``, ``resources_router``."""

from gongzhi.orgs.api import reports as _reports  # noqa: F401  (adds the report endpoints to ``router``)
from gongzhi.orgs.api.orgs import router
from gongzhi.orgs.api.pools import resources_router, talents_router

__all__ = ["resources_router", "router", "talents_router"]
