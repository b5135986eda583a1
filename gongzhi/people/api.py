"""People endpoints: the masked list, elderly birthdays, reveal with a reason, a resident's own data.

Every value goes through :mod:`gongzhi.people.privacy`, the same as the pages: masked unless the caller's role
and area say otherwise; a full value only through ``reveal``, which is logged."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.core.errors import NotFound
from gongzhi.people import selectors, services

router = Router(tags=["人口基础库 people"])


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    age: int | None
    birth_date: str
    id_number: str
    phone: str
    address: str
    grid: str
    tags: str
    revealable: list[str]


class BirthdayOut(Schema):
    date: str
    age: int | None
    person: PersonOut


class ListFilter(Schema):
    area: str | None = Field(None, description="社区或网格代码")
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class RevealIn(Schema):
    field: str = Field(..., description="name / id_number / phone / address")
    reason: str = Field(..., description="查看事由（至少 4 个字），记入数据访问记录")


class RevealOut(Schema):
    field: str
    value: str


def _out(shown: selectors.Shown) -> dict[str, Any]:
    return {
        "id": shown.pk,
        "name": shown.name,
        "gender": str(shown.gender),
        "age": shown.age,
        "birth_date": shown.birth_date,
        "id_number": shown.id_number,
        "phone": shown.phone,
        "address": shown.address,
        "grid": shown.grid,
        "tags": shown.tags,
        "revealable": list(shown.revealable),
    }


@router.get("", response=list[PersonOut], summary="居民（按角色脱敏）")
def list_people(request: HttpRequest, filters: Query[ListFilter]) -> list[dict[str, Any]]:
    start = (filters.page - 1) * filters.page_size
    people = selectors.person_list(request.user, area=filters.area)[start : start + filters.page_size]
    today = timezone.localdate()
    return [_out(selectors.shown(request.user, p, today)) for p in people]


@router.get("/birthdays", response=list[BirthdayOut], summary="60 岁以上居民近期生日（脱敏）")
def birthdays(request: HttpRequest, days: int = 30) -> list[dict[str, Any]]:
    today = timezone.localdate()
    rows = selectors.birthdays(request.user, days=max(0, min(days, 366)), today=today)
    return [
        {
            "date": day.isoformat(),
            "age": selectors.age(p.birth_date, day),
            "person": _out(selectors.shown(request.user, p, today)),
        }
        for day, p in rows
    ]


@router.post("/{person_id}/reveal", response=RevealOut, summary="查看完整信息（须写明事由，记入数据访问记录）")
def reveal(request: HttpRequest, person_id: int, body: RevealIn) -> dict[str, str]:
    value = services.person_reveal(actor=request.user, person_id=person_id, field=body.field, reason=body.reason)
    return {"field": body.field, "value": value}


@router.get("/me", summary="我的信息（本人全部数据与访问记录）")
def me(request: HttpRequest) -> dict[str, Any]:
    data = selectors.my_data(request.user)
    if not data:
        raise NotFound()
    return data
