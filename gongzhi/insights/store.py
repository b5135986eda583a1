"""Writing the counters: the in-transaction upsert, and the set-based rebuild from the facts.

The upsert is one ``INSERT … ON CONFLICT (cell) DO UPDATE SET n = n + excluded.n`` statement for all the
cells an order transition touches (SQLite ≥ 3.24 and PostgreSQL speak the same syntax). It creates a
missing cell and increments an existing one atomically, so two transitions that race on a new cell both
count. The cells are written in key order, so concurrent transitions lock shared rows in the same order
and cannot deadlock on each other.

SQL is assembled here from identifiers of our own models (quoted by the backend) and placeholders; no
value is ever formatted into it (hence the S608 waivers).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection

from gongzhi.core.rows import table
from gongzhi.insights.facts import (
    FACT_FIELDS,
    GRAIN_BY_CODE,
    GRAINS,
    KEY_FIELDS,
    METRIC_NAMES,
    METRICS,
    YTD,
    Fact,
    Grain,
)
from gongzhi.insights.models import OrderFact, Tally

CELL_COLUMNS = ("grain", *KEY_FIELDS)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _db_date(value: date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def apply_deltas(deltas: dict[tuple[Any, ...], dict[str, int]]) -> None:
    """Add ``deltas`` (cell key → {metric: change}) to the counters, creating missing cells."""
    if not deltas:
        return
    metrics = sorted({name for change in deltas.values() for name in change}, key=METRIC_NAMES.index)
    columns = [*CELL_COLUMNS, *metrics]
    rows, params = [], []
    for key in sorted(deltas):
        change = deltas[key]
        grain, month, *dims = key
        params += [grain, _db_date(month), *dims, *(change.get(m, 0) for m in metrics)]
        rows.append("(" + ", ".join(["%s"] * len(columns)) + ")")
    cells = table(Tally)
    sql = (
        f"INSERT INTO {cells} ({', '.join(_q(c) for c in columns)}) VALUES {', '.join(rows)} "  # noqa: S608
        f"ON CONFLICT ({', '.join(_q(c) for c in CELL_COLUMNS)}) DO UPDATE SET "
        + ", ".join(f"{_q(m)} = {cells}.{_q(m)} + excluded.{_q(m)}" for m in metrics)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def fact_values(fact: Fact) -> dict[str, Any]:
    values = fact._asdict()
    values.pop("order_id")
    return values


def fact_from_row(row: OrderFact) -> Fact:
    return Fact(**{name: getattr(row, name) for name in FACT_FIELDS})


def save_fact(fact: Fact, *, exists: bool) -> None:
    if exists:
        OrderFact.objects.filter(order_id=fact.order_id).update(**fact_values(fact))
    else:
        OrderFact.objects.create(order_id=fact.order_id, **fact_values(fact))


# ---- set-based: the counters recomputed from the facts ----------------------------------------------


def _metric_sql(metric: Any) -> tuple[str, list[Any]]:
    if metric.field is None:
        return "COUNT(*)", []
    column = _q(metric.field)
    if not metric.values:
        return f"COALESCE(SUM({column}), 0)", []
    if len(metric.values) == 1 and metric.values[0] is True:
        return f"SUM(CASE WHEN {column} THEN 1 ELSE 0 END)", []
    marks = ", ".join(["%s"] * len(metric.values))
    return f"SUM(CASE WHEN {column} IN ({marks}) THEN 1 ELSE 0 END)", list(metric.values)


def grouped_sql(grain: Grain, *, period: date | None = None) -> tuple[str, list[Any]]:
    """SELECT of the cells of ``grain`` computed from the facts (of one period if given; a year-to-date grain
    needs it), columns in ``CELL_COLUMNS + METRIC_NAMES`` order."""
    kept = {"street_id": grain.geo >= 1, "area_id": grain.geo >= 2, "category_id": grain.category, "org_id": grain.org}
    when = _q("year" if grain.yearly else "month")
    dims = [_q("district_id")] + [_q(c) if kept[c] else "0" for c in KEY_FIELDS[2:]]
    group = [_q("district_id")] + [_q(c) for c in KEY_FIELDS[2:] if kept[c]]
    select, params = [], []
    conditions, where_params = [], []
    if grain.period == YTD:
        if period is None:
            raise ValueError("a year-to-date grain is computed one month at a time")
        select.append("%s")
        params.append(_db_date(period))
        conditions += [f"{_q('year')} = %s", f"{_q('month')} <= %s"]
        where_params += [_db_date(period.replace(month=1)), _db_date(period)]
    else:
        select.append(when)
        group.insert(0, when)
        if period is not None:
            conditions.append(f"{when} = %s")
            where_params.append(_db_date(period))
    select += dims
    for m in METRICS:
        sql, p = _metric_sql(m)
        select.append(sql)
        params += p
    if grain.org:
        # Orders nobody holds yet have no cell in the organization grains: every new order in the district
        # would otherwise update the same "organization 0" cell and wait for the previous one's commit.
        # Queries by organization read only real organizations; the other grains count these orders.
        conditions.append(f"{_q('org_id')} <> 0")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = (
        f"SELECT {grain.code}, {', '.join(select)} FROM {table(OrderFact)}{where} "  # noqa: S608
        f"GROUP BY {', '.join(group)}"
    )
    return sql, [*params, *where_params]


def ytd_from_monthly_sql(grain: Grain, month: date) -> tuple[str, list[Any]]:
    """INSERT of the year-to-date cells of ``grain`` at ``month``, summed from the monthly cells of the same
    level (far fewer rows than the facts; ``insights verify`` checks the result against the facts)."""
    monthly = GRAIN_BY_CODE[grain.code - 20]
    columns = ", ".join(_q(c) for c in (*CELL_COLUMNS, *METRIC_NAMES))
    dims = ", ".join(_q(c) for c in CELL_COLUMNS[2:])
    sums = ", ".join(f"SUM({_q(m)})" for m in METRIC_NAMES)
    sql = (
        f"INSERT INTO {table(Tally)} ({columns}) SELECT %s, %s, {dims}, {sums} FROM {table(Tally)} "  # noqa: S608
        f"WHERE {_q('grain')} = %s AND {_q('month')} >= %s AND {_q('month')} <= %s GROUP BY {dims}"
    )
    return sql, [grain.code, _db_date(month), monthly.code, _db_date(month.replace(month=1)), _db_date(month)]


def rebuild_tally() -> int:
    """Replace every counter by its value recomputed from the facts; returns the number of cells."""
    columns = ", ".join(_q(c) for c in (*CELL_COLUMNS, *METRIC_NAMES))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table(Tally)}")  # noqa: S608 - table name from the model
        for grain in GRAINS:
            if grain.period != YTD:
                select, params = grouped_sql(grain)
                cursor.execute(f"INSERT INTO {table(Tally)} ({columns}) {select}", params)
        years = sorted(OrderFact.objects.values_list("year", flat=True).distinct())
        for grain in GRAINS:
            if grain.period == YTD:
                for year in years:
                    for m in range(1, 12):
                        cursor.execute(*ytd_from_monthly_sql(grain, year.replace(month=m)))
    return Tally.objects.count()


# ---- bulk loading (rebuild, demo history) -------------------------------------------------------------


def bulk_insert(model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert many rows fast: COPY on PostgreSQL, executemany on SQLite. Values must be database-ready
    (dates as the backend wants them: use ``db_value``)."""
    target = table(model)
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            names = ", ".join(_q(c) for c in columns)
            with raw.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count
    marks = ", ".join(["?"] * len(columns))
    sql = f"INSERT INTO {target} ({', '.join(_q(c) for c in columns)}) VALUES ({marks})"  # noqa: S608
    batch: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                raw.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            raw.executemany(sql, batch)
            count += len(batch)
    return count


@contextmanager
def foreign_keys_checked_later(*models_: Any) -> Iterator[None]:
    """Inside a transaction: load the tables of ``models_`` without checking their foreign keys row by row;
    ``validate_foreign_keys`` checks them all at once at the end of the load.

    PostgreSQL checks a foreign key with one lookup per row, at COMMIT (Django makes them deferred). A
    generated order has about thirty references (its own, its events', its rating's, its ledger entry's),
    and those lookups cost as much as the COPY itself. So, on PostgreSQL, each foreign key is dropped
    and, before the transaction ends, added again as NOT VALID: every committed state has the constraint,
    which keeps checking rows that others insert, and ``VALIDATE CONSTRAINT`` later checks the loaded rows
    in one join per key. The DDL locks the tables until the transaction ends: for loading a database no
    one is using yet (the demo, the benchmark), not a live one. Elsewhere it does nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    keys = _foreign_keys(models_)
    with connection.cursor() as cursor:
        # ALTER TABLE refuses a table with checks still queued in this transaction: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, constraint, _definition, _valid in keys:
            cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {_q(constraint)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        for name, constraint, definition, _valid in keys:
            cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {_q(constraint)} {_not_valid(definition)}")


def validate_foreign_keys(*models_: Any) -> int:
    """Check the rows loaded under ``foreign_keys_checked_later`` (each key in one join); returns how many
    keys were checked. A row pointing nowhere raises IntegrityError and the key stays NOT VALID."""
    if connection.vendor != "postgresql":
        return 0
    pending = [(name, constraint) for name, constraint, _d, valid in _foreign_keys(models_) if not valid]
    with connection.cursor() as cursor:
        for name, constraint in pending:
            cursor.execute(f"ALTER TABLE {name} VALIDATE CONSTRAINT {_q(constraint)}")
    return len(pending)


def _foreign_keys(models_: Sequence[Any]) -> list[tuple[str, str, str, bool]]:
    """(quoted table, constraint name, definition, validated) of each foreign key on the tables of ``models_``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY conrelid, conname",
            [[table(m) for m in models_]],
        )
        return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]


def _not_valid(definition: str) -> str:
    return definition if definition.endswith(" NOT VALID") else f"{definition} NOT VALID"


def fact_rows(facts: Iterable[Fact]) -> Iterator[tuple[Any, ...]]:
    """Facts as OrderFact rows for bulk_insert, columns in ``FACT_FIELDS`` order."""
    if connection.vendor != "sqlite":
        yield from facts  # a Fact is already a tuple in column order
        return
    for fact in facts:
        yield tuple(_sqlite(v) for v in fact)


def _sqlite(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(v, date):
        return v.isoformat()
    return v


def analyze(*models_: Any) -> None:
    """Refresh the planner's statistics after a bulk load (of ``models_``, or of every table), so the first
    queries are planned on real sizes. On PostgreSQL outside a transaction, VACUUM as well: it marks the
    pages all-visible, which lets an index-only scan skip the table (the open-deadline index answers the
    overdue count from the index alone). Autovacuum does both in its own time, when it is on; it may be off,
    and a freshly loaded database should not wait for it."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
    with connection.cursor() as cursor:
        if not models_:
            cursor.execute(command)
        for model in models_:
            cursor.execute(f"{command} {table(model)}")
