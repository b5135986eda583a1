"""One sane range for every date a user or a client may send (API parameters and bodies, web forms, links).

Dates far outside it broke things: ``week=9999-12-31`` overflowed when the week's end was computed (a 500),
``date_to=9999-12-31`` overflowed in the period filter, and ``week=0126-06-01`` came back with a local-mean-time
offset of ``+08:05:43`` (the time-zone database has no rules that early). The platform's records start in the
2000s and its plans do not reach past this century.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def out_of_range_message() -> str:
    return _("日期应在 %(a)s 至 %(b)s 之间") % {"a": EARLIEST.isoformat(), "b": LATEST.isoformat()}


def in_range(value: date) -> date:
    """``value`` if it lies in the range; ValueError (a pydantic field error) with the Chinese message if not."""
    if not EARLIEST <= value <= LATEST:
        raise ValueError(out_of_range_message())
    return value


# For django-ninja schemas and query parameters: ``week: Day | None = None``.
Day = Annotated[date, AfterValidator(in_range)]


def parse_day(text: str | None, default: date) -> date:
    """A date from a link's query string; anything unreadable or outside the range gives ``default``."""
    try:
        return in_range(date.fromisoformat(text or ""))
    except ValueError:
        return default


class DayField(forms.DateField):
    """A form's date field with the same range."""

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationError(out_of_range_message(), code="date_range")
        return day
