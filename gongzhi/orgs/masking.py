"""Masking of personal data for display: names 张**, mobiles 138****1234, landlines 0580-38****34.

A masked value never reveals the length of what it hides (always ``**`` / ``****``).
"""

from __future__ import annotations

import re

_LANDLINE = re.compile(r"^(0\d{2,3})[-\s]?(\d{7,8})(.*)$")


def mask_name(name: str) -> str:
    name = (name or "").strip()
    return f"{name[0]}**" if name else ""


def mask_phone(phone: str) -> str:
    """Keep an area code and the first two and last two digits of a landline, or 3 + 4 of a mobile."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    landline = _LANDLINE.match(phone)
    if landline:
        area, number, _rest = landline.groups()
        return f"{area}-{number[:2]}****{number[-2:]}"
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 6:
        return f"{digits[:2]}****{digits[-2:]}"
    return "****"
