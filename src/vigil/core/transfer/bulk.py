"""The bulk path that writes many already-validated rows at once: ids are allocated first, then
each table gets one COPY (PostgreSQL) or one executemany (SQLite) rather than an ORM object and
an INSERT per row. Callers validate before and write the audit entry after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """Ids for `count` new rows, so that rows can be linked without RETURNING.

    PostgreSQL takes them from the table's sequence; SQLite continues after the highest id,
    which is safe because a writing transaction there holds the database's write lock.
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        numbers = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return list(session.scalars(numbers))
    highest = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(highest + 1, highest + 1 + count))


def _complete(table: Table, rows: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """Every row with every column: the model's defaults (a callable once) fill the gaps."""
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default: Any = column.default
        if default is not None and default.is_scalar:
            defaults[column.key] = default.arg
        elif default is not None and default.is_callable:
            defaults[column.key] = default.arg(None)
        elif column.nullable and not column.primary_key:
            defaults[column.key] = None
    # Rows of one shape (every caller's) take only the defaults the first leaves out: merging
    # every default into each row cost more than the COPY of the row.
    first = rows[0]
    gaps = {key: value for key, value in defaults.items() if key not in first}
    if all(row.keys() == first.keys() for row in rows):
        return [{**row, **gaps} for row in rows] if gaps else rows
    return [{**defaults, **row} for row in rows]


def write_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows into `table`: COPY on PostgreSQL, one executemany on SQLite.

    COPY bypasses SQLAlchemy's type processing, so values must be what the database stores
    (timezone-aware UTC datetimes, codes as plain strings), as validated schemas give them.
    """
    if not rows:
        return
    complete = _complete(table, rows)
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), complete)
        return
    columns = list(complete[0])
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in complete:
            copy.write_row([row[c] for c in columns])
