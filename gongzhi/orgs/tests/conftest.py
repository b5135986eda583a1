"""Fixtures for the organization tests: areas by code, fresh credit codes, a registered organization."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from gongzhi.orgs.validators import build_credit_code

_serial = itertools.count(1)


@pytest.fixture
def area(demo: None) -> Callable[[str], Any]:
    from gongzhi.areas.models import Area

    return lambda code: Area.objects.get(code=code)


@pytest.fixture
def fresh_code() -> Callable[..., str]:
    """A valid credit code no other test uses: 5 (民政) + type + Putuo + a serial organization code."""

    def make(kind: str = "2") -> str:
        return build_credit_code("5", kind, "330903", f"MT{next(_serial):06d}")

    return make


@pytest.fixture
def registered(user: Callable[[str], Any], area: Callable[[str], Any], fresh_code: Callable[..., str]) -> Any:
    """A social service institution just registered by mzj at the district, with org_b's admin as its admin."""
    from gongzhi.orgs.services import org_register

    return org_register(
        actor=user("mzj"),
        name=f"测试社会工作服务中心{next(_serial)}",
        org_type="service_institution",
        home_area=area("330903"),
        credit_code=fresh_code(),
        summary="测试用",
    )
