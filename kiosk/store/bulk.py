"""Bulk work on the store: many rows in one statement, long key lists in chunks.

The change feed delivers thousands of messages a page. SQLAlchemy's generic
``executemany`` handles the parameters row by row in Python, which cost more
than SQLite's insert itself on a 10,000-message backlog. :func:`insert_new`
compiles its statement once per table and set of columns, converts each column
with its type's own bind processor (column by column, so the loop runs in C),
converts a value the same for every row once, and lets SQLite skip rows it
already holds (``ON CONFLICT DO NOTHING`` on a unique column) instead of asking
first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

T = TypeVar("T")

#: Keys per ``IN (...)`` query: well under SQLite's limit on bound parameters.
CHUNK = 500


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in slices of at most ``size``, for ``IN (...)`` queries."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_new(
    session: Session,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    *,
    same: Mapping[str, Any],
    unique: str,
) -> int:
    """INSERT one row per position of ``columns``; returns how many rows went in.

    ``columns`` maps a column to its values, one per row (all the same length);
    ``same`` maps a column to the one value every row gets. A row whose
    ``unique`` column matches a row already stored, or an earlier row of the
    same call, is skipped. Every other constraint is enforced as usual: a row
    that breaks one fails the whole statement.
    """
    lengths = {len(values) for values in columns.values()}
    if len(lengths) != 1:
        raise ValueError(f"insert_new: columns of different lengths {sorted(lengths)}")
    (count,) = lengths
    if count == 0:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    sql, order = _statement(table, tuple(columns), tuple(same), unique, dialect)
    converted: list[Any] = []
    for key in order:
        convert = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if key in same:
            value = same[key] if convert is None else convert(same[key])
            converted.append(repeat(value, count))
        else:
            values = columns[key]
            converted.append(values if convert is None else map(convert, values))
    result = connection.exec_driver_sql(sql, list(zip(*converted, strict=True)))
    return int(result.rowcount)


@lru_cache(maxsize=32)
def _statement(
    table: Table, keys: tuple[str, ...], same: tuple[str, ...], unique: str, dialect: Dialect
) -> tuple[str, tuple[str, ...]]:
    """The compiled INSERT and the order of its parameters (compiled once per shape)."""
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        raise RuntimeError(f"insert_new needs SQLite's qmark parameters, not {dialect.name}")
    statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=[unique])
    compiled = statement.compile(dialect=dialect, column_keys=[*keys, *same])
    order = tuple(compiled.positiontup or ())
    if sorted(order) != sorted([*keys, *same]):
        # A column default or an expression would need a parameter nobody gave.
        given = keys + same
        raise RuntimeError(f"insert_new: {table.name} needs parameters {order}, given {given}")
    return str(compiled), order
