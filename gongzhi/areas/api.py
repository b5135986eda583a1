"""Area endpoints: browse the division tree, draw grids."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
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


AREAS_PER_CALL = 2000


@router.get(
    "",
    response=list[AreaOut],
    summary="区域列表（按上级或层级）",
    description=f"按代码排序，每次最多 {AREAS_PER_CALL} 个；响应头 X-More: true 表示还有更多，"
    f"把最后一个代码作为 after 再取下一批 / at most {AREAS_PER_CALL} per call, ordered by code; "
    "X-More: true means more follow: pass the last code as `after`",
)
def list_areas(
    request: HttpRequest,
    response: HttpResponse,
    parent: str | None = None,
    level: str | None = None,
    after: str | None = None,
) -> object:
    qs = restrict(Area.objects.all(), request.user, "view")
    if parent:
        qs = qs.filter(parent__code=parent)
    elif not level:
        qs = qs.filter(parent__isnull=True)
    if level:
        qs = qs.filter(level=level)
    if after:
        qs = qs.filter(code__gt=after)
    rows = list(qs.order_by("code")[: AREAS_PER_CALL + 1])
    # Said, not silently cut: a province's villages are tens of thousands.
    response["X-More"] = "true" if len(rows) > AREAS_PER_CALL else "false"
    return rows[:AREAS_PER_CALL]


@router.get("/{code}", response=AreaOut, summary="区域详情")
def get_area(request: HttpRequest, code: str) -> Area:
    return get_for(Area.objects.all(), request.user, "view", code=code)


@router.post("/{code}/grids", response={201: AreaOut}, summary="在社区下新建网格（社区工作人员）")
def create_grid(request: HttpRequest, code: str, payload: GridIn) -> Status[Area]:
    return Status(201, grid_create(actor=request.user, community_code=code, name=payload.name))
