"""Model instances from hand-written SQL, with each value converted the way the ORM converts it.

For the few reads on every request (the bearer token, the grants) whose ORM compilation costs more than the
query itself: the SQL is written once, and the values still pass through each field's database converters,
so a datetime read from SQLite (stored as text) comes back as the same aware datetime the ORM would give.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def model_from_row[M: Model](model: type[M], attnames: Sequence[str], values: Sequence[Any]) -> M:
    """An instance of ``model`` as loaded from the database (not to be inserted again on save); fields not in
    ``attnames`` are deferred."""
    given = dict(zip(attnames, values, strict=True))
    names, converted = [], []
    for field in model._meta.concrete_fields:  # from_db takes the values in the model's order
        if field.attname not in given:
            continue
        value = given[field.attname]
        col = field.get_col(model._meta.db_table)
        for convert in (*connection.ops.get_db_converters(col), *field.get_db_converters(connection)):
            value = convert(value, col, connection)
        names.append(field.attname)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)  # type: ignore[return-value]


def columns(alias: str, model: type[Model], attnames: Sequence[str]) -> str:
    """``alias.column, …`` for a SELECT list, quoted for this database."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(str(fields[n].column))}" for n in attnames)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)
