"""Masking of personal data as Chinese users expect to see it: 张**, 138****1234, 330903********1234."""

from __future__ import annotations

import re


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 2))


def mask_phone(phone: str) -> str:
    """Mobile 13812341234 → 138****1234; landline 0580-3801234 → 0580-38****34."""
    phone = (phone or "").strip()
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return ""
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if "-" in phone:
        area, number = phone.split("-", 1)
        return f"{area}-{_middle(number)}"
    return _middle(digits)


def _middle(s: str) -> str:
    if len(s) <= 4:
        return "*" * len(s)
    keep = max(1, len(s) // 4)
    return s[:keep + 1] + "*" * (len(s) - 2 * keep - 1) + s[-keep:]


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
