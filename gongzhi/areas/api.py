"""Area endpoints: browse the division tree, draw grids."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status

from gongzhi.accounts.permissions import get_for, restrict
from gongzhi.areas.models import Area
from gongzhi.areas.services import grid_create

router = Router(tags=["区域 areas"])


class AreaOut(Schema):
    code: str
    name: str
    short_name: str
    level: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj: Area) -> str | None:
        return obj.path.strip("/").split("/")[-2] if obj.parent_id else None


class GridIn(Schema):
    name: str


@router.get("", response=list[AreaOut], summary="区域列表（按上级或层级）")
def list_areas(request: HttpRequest, parent: str | None = None, level: str | None = None) -> object:
    qs = restrict(Area.objects.all(), request.user, "view")
    if parent:
        qs = qs.filter(parent__code=parent)
    elif not level:
        qs = qs.filter(parent__isnull=True)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("code")[:2000]


@router.get("/{code}", response=AreaOut, summary="区域详情")
def get_area(request: HttpRequest, code: str) -> Area:
    return get_for(Area.objects.all(), request.user, "view", code=code)


@router.post("/{code}/grids", response={201: AreaOut}, summary="在社区下新建网格（社区工作人员）")
def create_grid(request: HttpRequest, code: str, payload: GridIn) -> Status[Area]:
    return Status(201, grid_create(actor=request.user, community_code=code, name=payload.name))
