"""Formula injection: text a resident or an organization typed never becomes a live formula in any export.

Found by an outside probe: a resident's title ``=HYPERLINK("http://x","y")`` became a formula in the
resident-needs xlsx and stood unescaped in its CSV; an organization's volunteers text ``=1+1`` became a formula
in the service ledger (API and web). Every export writes through ``gongzhi.core.excel``.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from gongzhi.core.excel import append_row, csv_cell, csv_text
from gongzhi.orders.tests.test_api_transitions import complete_body, new_order, org_of

EVIL = '=HYPERLINK("http://x","y")'


def _cells(content: bytes) -> list[tuple[str, object]]:
    """Every non-empty cell of every sheet: its openpyxl type and value."""
    book = load_workbook(io.BytesIO(content))
    return [(c.data_type, c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value]


def _no_formula(content: bytes, text: str) -> None:
    cells = _cells(content)
    assert ("s", text) in cells, "the text is kept, as text"
    assert not [c for c in cells if c[0] == "f"], "no cell is a formula"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", EVIL])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(value):
    assert csv_cell(value) == "'" + value
    assert csv_cell("兴普社区 3 号楼") == "兴普社区 3 号楼"
    assert csv_cell(-5) == -5  # numbers are numbers


def test_xlsx_strings_are_never_formulas():
    wb = Workbook()
    append_row(wb.active, [EVIL, "=1+1", "普通文字", 3])
    out = io.BytesIO()
    wb.save(out)
    assert _cells(out.getvalue()) == [("s", EVIL), ("s", "=1+1"), ("s", "普通文字"), ("n", 3)]


def test_csv_text_reads_back_as_text():
    rows = list(csv.reader(io.StringIO(csv_text([["标题"], [EVIL]]).decode("utf-8-sig"))))
    assert rows == [["标题"], ["'" + EVIL]]


def test_resident_needs_list_exports(api, demo):
    new_order("resident_a", title=EVIL)
    xlsx = api("community_xp").get("lists/resident-needs", format="xlsx")
    assert xlsx.status_code == 200
    _no_formula(xlsx.content, EVIL)
    text = api("community_xp").get("lists/resident-needs", format="csv").content.decode("utf-8-sig")
    assert "'" + EVIL.replace('"', '""') in text
    assert "\n" + EVIL not in text and "," + EVIL not in text


def test_ledger_exports_api_and_web(api, web, demo):
    order = new_order("resident_a")
    assert api("org_a").post(f"orders/{order.pk}/claim").status_code == 200
    done = api("org_a").post(f"orders/{order.pk}/complete", data=complete_body(volunteers="=1+1"))
    assert done.status_code == 200, done.content
    _no_formula(api("community_xp").get("ledger", format="xlsx").content, "=1+1")
    page = web("community_xp").get("/orders/ledger/export/")
    assert page.status_code == 200
    _no_formula(page.content, "=1+1")


def test_registry_export(api, demo):
    org = org_of("org_b")
    org.summary = "=1+1"
    org.save(update_fields=["summary"])
    response = api("mzj").get("orgs/export")
    assert response.status_code == 200, response.content
    _no_formula(response.content, "=1+1")
