"""Masking of personal data as Chinese users expect to see it: 张**, 138****1234, 0580-38****34,
330903********1234, 兴普社区3号楼***. The one place every list, page and export masks with."""

from __future__ import annotations

import re

_LANDLINE = re.compile(r"^(0\d{2,3})[-\s]?(\d{7,8})(.*)$")


def mask_name(name: str) -> str:
    """张秀英 → 张**, 李 → 李**: the stars never tell how long the name is."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else ""


def mask_phone(phone: str) -> str:
    """Mobile 13812341234 → 138****1234; landline 0580-3801234 (or 05803801234) → 0580-38****34; anything
    else keeps its first and last two digits. Always four stars, whatever is hidden."""
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


def mask_id_number(value: str) -> str:
    """A resident ID (18 characters) → 330903********1234."""
    value = (value or "").strip()
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_address(address: str) -> str:
    """Keep the community-level part, hide the house: 兴普社区3号楼201室 → 兴普社区3号楼***."""
    address = (address or "").strip()
    match = re.search(r"(号楼|幢|栋|弄|号)", address)
    if match:
        return address[: match.end()] + "***"
    return address[: max(0, len(address) - 4)] + "***" if len(address) > 4 else "***"


# Digits that are not part of a longer number: a mobile, a landline with its area code, an ID number.
_FREE_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_FREE_MOBILE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)")
_FREE_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[-\s]?\d{7,8}(?!\d)")


def mask_free_text(text: str) -> str:
    """Mask the ID numbers and phone numbers someone typed into free text (a title, a reason, a reply), for
    texts that travel further than the page they were typed on: notifications, emails, webhooks."""
    if not text:
        return text or ""
    text = _FREE_ID.sub(lambda m: mask_id_number(m.group(1)), text)
    text = _FREE_MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(0))[-11:]), text)
    return _FREE_LANDLINE.sub(lambda m: mask_phone(m.group(0)), text)
