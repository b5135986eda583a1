"""How long ago, the way Chinese users say it: 刚刚, 6分钟前, 3小时前, 昨天 14:05, 11月3日, 2025年11月3日.

Django's ``naturaltime`` says "6分钟之前" and "1天，2小时之前", which reads like a translation."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    if value is None:
        return ""
    now = timezone.localtime()
    then = timezone.localtime(value)
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return _("刚刚")
    if seconds < 3600:
        return _("%(n)s分钟前") % {"n": int(seconds // 60)}
    if then.date() == now.date():
        return _("%(n)s小时前") % {"n": int(seconds // 3600)}
    if (now.date() - then.date()).days == 1:
        return _("昨天 %(t)s") % {"t": then.strftime("%H:%M")}
    if then.year == now.year:
        return _("%(m)s月%(d)s日") % {"m": then.month, "d": then.day}
    return _("%(y)s年%(m)s月%(d)s日") % {"y": then.year, "m": then.month, "d": then.day}
