"""Reads of the area tree."""

from __future__ import annotations

from django.db.models import QuerySet

from gongzhi.areas.models import Area, Level


def area_get(code: str) -> Area | None:
    return Area.objects.filter(code=code).first()


def area_subtree(area: Area, *, include_self: bool = True) -> QuerySet[Area]:
    qs = Area.objects.filter(path__startswith=area.path)
    return qs if include_self else qs.exclude(pk=area.pk)


def area_children(area: Area) -> QuerySet[Area]:
    return Area.objects.filter(parent=area).order_by("code")


def area_ancestors(area: Area) -> list[Area]:
    """Ancestors from the root down to the parent, in one query."""
    codes = [part for part in area.path.strip("/").split("/")][:-1]
    by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def communities_in(area: Area) -> QuerySet[Area]:
    return area_subtree(area).filter(level=Level.COMMUNITY)
