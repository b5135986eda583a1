"""Writing rows into Excel sheets and CSV files safely, for every export (one path for all of them).

Two dangers in user text:

* A worksheet cannot hold the ASCII control characters (openpyxl refuses them with IllegalCharacterError),
  and they do reach us: a search term typed with a stray control key ends up in an export's "筛选条件" line.
  They carry no meaning for a reader, so they are dropped rather than refusing the whole export.
* Formula injection: a resident's title ``=HYPERLINK("http://x","y")`` or a volunteers field ``=1+1`` must not
  become a live formula in the spreadsheet a community worker opens. In xlsx every string is written as a
  string cell, never a formula; in CSV (which carries no types) a cell that begins with ``= + - @``, a tab or a
  carriage return is prefixed with an apostrophe, as OWASP recommends, so spreadsheet programs show it as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def sheet_row(values: Iterable[Any]) -> list[Any]:
    """``values`` with control characters removed from the strings (other values unchanged)."""
    return [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """Append a row to an xlsx sheet: control characters dropped, every string a string cell, never a formula."""
    ws.append(sheet_row(values))
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet program will show as text, not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_write(writer: Any, rows: Iterable[Iterable[Any]]) -> None:
    """Write rows through ``writer`` (a ``csv.writer``) with every cell neutralised."""
    writer.writerows([csv_cell(v) for v in row] for row in rows)


def csv_text(rows: Iterable[Iterable[Any]]) -> bytes:
    """Rows as a UTF-8 CSV with a byte-order mark (so Excel on Windows reads the Chinese), cells neutralised."""
    import io

    buffer = io.StringIO()
    csv_write(csv.writer(buffer), rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
