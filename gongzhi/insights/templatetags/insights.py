"""Template filters for insight figures: one way to show a rate, a duration, a rating, or nothing."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def duration(minutes: float) -> str:
    if minutes < 60:
        return _("%(n)s 分钟") % {"n": round(minutes)}
    if minutes < 48 * 60:
        return _("%(n)s 小时") % {"n": round(minutes / 60, 1)}
    return _("%(n)s 天") % {"n": round(minutes / 1440, 1)}


@register.filter
def figure(value: Any, kind: str = "text") -> str:
    """A figure as a person reads it: 87.5%, 3.2 小时, 4.35, or — when there is nothing to divide."""
    if value is None or value == "":
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "minutes":
        return duration(float(value))
    if kind == "rating":
        return f"{value:.2f}"
    return str(value)


@register.filter
def cell(row: dict[str, Any], column: Any) -> str:
    """The value of ``column`` in ``row``, formatted by the column's kind (or the row's, for mixed tables)."""
    kind = row.get("kind", "text") if column.kind == "mixed" else column.kind
    return figure(row.get(column.key), kind)
