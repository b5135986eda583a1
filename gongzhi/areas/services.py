"""Writes to the area tree: importing public division lists, and drawing grids."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import get_for
from gongzhi.areas.models import LEVEL_DEPTH, Area, Level
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import ValidationFailed

# Code length → level, and the column that names the parent, for the statistical CSV layout.
LAYOUT = {
    2: (Level.PROVINCE, None),
    4: (Level.CITY, "provinceCode"),
    6: (Level.DISTRICT, "cityCode"),
    9: (Level.STREET, "areaCode"),
    12: (Level.COMMUNITY, "streetCode"),
}
_SUFFIXES = [
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("居民委员会", "居委会"),
    ("村民委员会", "村"),
    ("村委会", "村"),
]


def short_name(name: str) -> str:
    """兴普社区居委会 → 兴普社区; 葫芦村村委会 → 葫芦村; 马峙村委会 → 马峙村."""
    for suffix, replacement in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            # 葫芦村村委会 and 莲兴社区村委会 already say what they are.
            return stem if replacement == "村" and stem.endswith(("村", "社区")) else stem + replacement
    return name


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _read_rows(path: Path) -> Iterable[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "code" not in reader.fieldnames or "name" not in reader.fieldnames:
                raise ValidationFailed(
                    {"file": [_("%(file)s 不是区划表：第一行须含 code 和 name 列") % {"file": path.name}]}
                )
            yield from reader
    except UnicodeDecodeError:
        # Spreadsheets on Chinese Windows save CSV as GBK unless told otherwise.
        raise ValidationFailed(
            {"file": [_("%(file)s 不是 UTF-8 编码：请在表格软件中另存为“CSV UTF-8”后再导入") % {"file": path.name}]}
        ) from None


def import_divisions(*, actor: Any, files: list[Path], only: str = "") -> ImportReport:
    """Upsert areas from division CSV files; running it twice changes nothing.

    ``only`` keeps codes under a prefix (e.g. ``330903``) and their ancestors.
    """
    report = ImportReport()
    rows: dict[str, tuple[str, str | None, Level]] = {}
    for path in files:
        for lineno, row in enumerate(_read_rows(Path(path)), start=2):
            code = (row.get("code") or "").strip()
            name = (row.get("name") or "").strip()
            if len(code) not in LAYOUT or not code.isdigit() or not name:
                report.errors.append(
                    _("%(file)s 第 %(line)s 行：代码或名称无效（%(code)s）")
                    % {"file": Path(path).name, "line": lineno, "code": code}
                )
                continue
            if only and not (code.startswith(only) or only.startswith(code)):
                report.skipped += 1
                continue
            level, parent_col = LAYOUT[len(code)]
            parent = (row.get(parent_col) or "").strip() if parent_col else None
            rows[code] = (name, parent, level)

    with transaction.atomic():
        existing = {
            a.code: a for a in Area.objects.filter(code__in=list(rows)).only("id", "code", "name", "short_name", "path")
        }
        parents: dict[str, Area] = dict(existing)
        needed_parents = {p for (_n, p, _l) in rows.values() if p and p not in rows}
        parents.update({a.code: a for a in Area.objects.filter(code__in=needed_parents)})
        for length in sorted(LAYOUT):
            level = LAYOUT[length][0]
            to_create: list[Area] = []
            to_update: list[Area] = []
            for code, (name, parent_code, lvl) in rows.items():
                if len(code) != length:
                    continue
                parent_area = parents.get(parent_code) if parent_code else None
                if parent_code and parent_area is None:
                    report.errors.append(
                        _("%(code)s %(name)s：找不到上级 %(parent)s，请一并导入上级区划")
                        % {"code": code, "name": name, "parent": parent_code}
                    )
                    continue
                area_path = (parent_area.path if parent_area else "") + code + "/"
                area = existing.get(code)
                if area is None:
                    to_create.append(
                        Area(
                            code=code,
                            name=name,
                            short_name=short_name(name),
                            level=lvl,
                            parent=parent_area,
                            path=area_path,
                            depth=LEVEL_DEPTH[level],
                        )
                    )
                elif area.name != name or area.path != area_path or area.short_name != short_name(name):
                    area.name, area.short_name, area.path, area.parent = name, short_name(name), area_path, parent_area
                    to_update.append(area)
                else:
                    report.unchanged += 1
            Area.objects.bulk_create(to_create, batch_size=2000)
            Area.objects.bulk_update(to_update, ["name", "short_name", "path", "parent"], batch_size=2000)
            report.created += len(to_create)
            report.updated += len(to_update)
            if to_create:
                parents.update({a.code: a for a in Area.objects.filter(code__in=[a.code for a in to_create])})
            for area in to_update:
                parents[area.code] = area
        if report.created or report.updated:
            audit_record(
                actor=actor,
                action="areas.divisions.imported",
                data={
                    "created": report.created,
                    "updated": report.updated,
                    "only": only,
                    "files": [Path(f).name for f in files],
                },
            )
    return report


# 1 to 50 characters, no control characters (PostgreSQL refuses NUL), no blank at either end.
_GRID_NAME = re.compile(r"[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]{0,48}[^\s\x00-\x1f\x7f])?")


def grid_create(*, actor: Any, community_code: str, name: str) -> Area:
    """A grid under a community, by that community's (or street's) staff. Codes run 001, 002, …"""
    name = (name or "").strip()
    with transaction.atomic():
        community = get_for(Area.objects.select_for_update(), actor, "create_grid", code=community_code)
        if not _GRID_NAME.fullmatch(name):
            raise ValidationFailed({"name": [_("请填写网格名称（1 到 50 个字）")]})
        if Area.objects.filter(parent=community, name=name).exists():
            raise ValidationFailed({"name": [_("本社区已有名为“%(name)s”的网格") % {"name": name}]})
        last = (
            Area.objects.filter(parent=community, level=Level.GRID)
            .order_by("-code")
            .values_list("code", flat=True)
            .first()
        )
        number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        code = f"{community.code}-{number:03d}"
        grid = Area.objects.create(
            code=code,
            name=name,
            short_name=name,
            level=Level.GRID,
            parent=community,
            path=f"{community.path}{code}/",
            depth=LEVEL_DEPTH[Level.GRID],
        )
        audit_record(actor=actor, action="areas.grid.created", target=grid, data={"community": community.code})
    return grid
