"""Template tags of the order pages."""

from __future__ import annotations

from django import template

from gongzhi.core.idempotency import new_form_key

register = template.Library()


@register.simple_tag
def once_key() -> str:
    """A fresh one-time key for a button's form: the act view runs the action once per key, so a second
    press (a double tap, a resent form) gets the first press's answer (see orders.views.act)."""
    return new_form_key()
