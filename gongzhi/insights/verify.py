"""``gongzhi insights verify``: every maintained figure recomputed from the raw rows, every difference listed.

Two checks, which together prove the counters equal the raw data:
1. each order's stored fact equals the fact recomputed from the order and its ratings (and every order
   has one);
2. each counter equals the GROUP BY of the stored facts over its cell, for every grain and month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection

from gongzhi.insights.facts import FACT_FIELDS, GRAINS, METRIC_NAMES, YTD
from gongzhi.insights.maintain import raw_facts
from gongzhi.insights.models import OrderFact, Tally
from gongzhi.insights.store import CELL_COLUMNS, fact_from_row, grouped_sql

KEEP = 50  # differences kept for the report; all are counted


@dataclass
class Report:
    orders: int = 0
    cells: int = 0
    count: int = 0
    differences: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.count += 1
        if len(self.differences) < KEEP:
            self.differences.append(text)

    @property
    def ok(self) -> bool:
        return self.count == 0


def _check_facts(report: Report) -> None:
    for facts in raw_facts():
        report.orders += len(facts)
        stored = {
            r.order_id: fact_from_row(r)
            for r in OrderFact.objects.filter(order_id__gte=facts[0].order_id, order_id__lte=facts[-1].order_id)
        }
        for expected in facts:
            got = stored.get(expected.order_id)
            if got is None:
                report.add(f"order {expected.order_id}: not counted")
                continue
            for name in FACT_FIELDS:
                a, b = getattr(got, name), getattr(expected, name)
                if a != b:
                    report.add(f"order {expected.order_id}: {name} stored {a!r}, recomputed {b!r}")


def _periods(grain: Any) -> list[date]:
    if grain.period == YTD:  # January to November of every year with orders
        periods = {
            y.replace(month=m)
            for y in OrderFact.objects.values_list("year", flat=True).distinct()
            for m in range(1, 12)
        }
    else:
        column = "year" if grain.yearly else "month"
        periods = set(OrderFact.objects.values_list(column, flat=True).distinct())
    periods |= set(Tally.objects.filter(grain=grain.code).values_list("month", flat=True).distinct())
    return sorted(periods)


def _as_date(value: Any) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _check_cells(report: Report) -> None:
    width = len(CELL_COLUMNS)
    zero = (0,) * len(METRIC_NAMES)
    for grain in GRAINS:
        for period in _periods(grain):
            sql, params = grouped_sql(grain, period=period)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                expected = {(r[0], _as_date(r[1]), *r[2:width]): r[width:] for r in cursor.fetchall()}
            stored = {
                tuple(r[:width]): r[width:]
                for r in Tally.objects.filter(grain=grain.code, month=period).values_list(*CELL_COLUMNS, *METRIC_NAMES)
            }
            for key in expected.keys() | stored.keys():
                report.cells += 1
                want, got = tuple(expected.get(key, zero)), tuple(stored.get(key, zero))
                if want != got:
                    diff = ", ".join(
                        f"{n} {g} ≠ {w}" for n, g, w in zip(METRIC_NAMES, got, want, strict=True) if g != w
                    )
                    report.add(f"cell {grain.name} {key[1]:%Y-%m} {key[2:]}: {diff}")


def verify() -> Report:
    report = Report()
    _check_facts(report)
    _check_cells(report)
    return report
