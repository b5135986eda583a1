"""The order's state machine is declared once; the docs and the offered actions follow the declaration."""

from __future__ import annotations

import re
from pathlib import Path

from gongzhi.orders.management.commands.orders_machine import docs_block
from gongzhi.orders.transitions import MACHINE

DOCS = Path(__file__).resolve().parents[3] / "docs" / "orders.md"


def test_the_docs_show_the_declared_machine():
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"<!-- transitions:begin -->\n(.*?)<!-- transitions:end -->", text, re.S)
    assert block, "docs/orders.md lost its generated block"
    assert block.group(1) == docs_block(), "docs/orders.md is out of date: paste the output of gongzhi orders_machine"


def test_every_view_action_is_a_declared_transition():
    from gongzhi.orders.views import ACTIONS

    assert set(ACTIONS) == set(MACHINE.actions)


def test_closing_is_only_reached_by_confirming_or_the_requesters_rating():
    into_closed = {t.action for t in MACHINE.transitions for a, b in t.moves() if b == "closed" and a != b}
    assert into_closed == {"confirm", "rate"}
