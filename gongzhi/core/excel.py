"""Writing rows into Excel sheets safely, for every export.

A worksheet cannot hold the ASCII control characters (openpyxl refuses them with IllegalCharacterError),
and they do reach us: a search term typed with a stray control key ends up in an export's "筛选条件" line.
They carry no meaning for a reader, so they are dropped rather than refusing the whole export.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def sheet_row(values: Iterable[Any]) -> list[Any]:
    """``values`` with control characters removed from the strings (other values unchanged)."""
    return [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]
