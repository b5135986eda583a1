"""Reading the values Open311 clients send: w3 datetimes, numbers, comma lists, phone numbers.

Pure functions, no HTTP: the views use them for query parameters and the services for form fields.
Each raises ``ValueError`` with nothing to show; callers say which parameter was wrong.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils import timezone

_W3_PARTIAL = re.compile(r"^\d{4}(-\d{2}){0,2}$")
# Characters XML 1.0 cannot carry (line breaks and tabs are fine).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Text without the control characters XML cannot carry, so both formats say the same thing."""
    return _NOT_XML.sub("", value)


def parse_datetime(value: str) -> datetime:
    """A W3C-note datetime (a subset of ISO 8601): 2010-01-01T00:00:00Z, …+08:00, or a bare date.

    The spec requires a timezone; a client that leaves it out is read in the platform's own zone
    (Asia/Shanghai) rather than refused, since that is what a person typing it would mean.
    """
    text = (value or "").strip()
    if _W3_PARTIAL.match(text):
        parts = [int(p) for p in text.split("-")] + [1, 1]
        parsed = datetime.combine(date(parts[0], parts[1], parts[2]), time())
    elif re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
        parsed = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    else:
        raise ValueError(text)
    # Years far off are typing slips, and would overflow when windows of 90 days are added to them.
    if not 1900 <= parsed.year <= 2999:
        raise ValueError(text)
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def w3(moment: datetime | None) -> str | None:
    """A datetime as the spec returns it: local time with its offset, e.g. 2026-11-22T10:11:16+08:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def parse_decimal(value: str) -> Decimal:
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def is_number(value: str, max_digits: int = 18) -> bool:
    """ASCII digits only (``"²".isdigit()`` is true), and few enough for a database integer."""
    return value.isascii() and value.isdigit() and len(value) <= max_digits


def split_list(value: str | None) -> list[str]:
    """A comma-delimited parameter (ASCII or full-width commas) without blanks or repeats, in order."""
    items = [part.strip() for part in re.split(r"[,，]", value or "")]
    return list(dict.fromkeys(item for item in items if item))


def normalize_phone(value: str) -> str:
    """+86 138 0000 1234 → 13800001234; separators other than a landline's dash are dropped."""
    phone = re.sub(r"[\s()（）.]", "", value or "")
    phone = re.sub(r"^(\+86|0086)-?", "", phone)
    if re.fullmatch(r"1\d{2}-?\d{4}-?\d{4}", phone):
        phone = phone.replace("-", "")
    return phone


def attribute_key(name: str) -> tuple[str, bool] | None:
    """``attribute[CODE]`` → (CODE, False); ``attribute[CODE][]`` → (CODE, True); anything else → None."""
    match = re.fullmatch(r"attribute\[([^\[\]]+)\](\[\])?", name)
    return (match.group(1).strip(), bool(match.group(2))) if match else None
