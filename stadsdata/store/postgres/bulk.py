"""Bulk observation insert for PostgreSQL: ids reserved from the table's sequence in one
statement, then one binary `COPY observations … FROM STDIN` on the transaction's own psycopg 3
connection (so it commits or rolls back with the rest of the unit of work).

The values are those of `observation_columns()` (as the portable INSERT path writes them); JSON columns are jsonb serialised with
orjson (json.dumps for what orjson refuses, such as integers beyond 64 bits), None is NULL,
naive datetimes are taken as UTC (the session time zone, as the `INSERT` path does)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from psycopg.types.json import set_json_dumps

from stadsdata.store.base import ObservationRow
from stadsdata.store.sql.transaction import observation_columns

# (column, PostgreSQL type) in COPY order; id first.
COPY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "int8"),
    ("phenomenon_time_start", "timestamptz"),
    ("phenomenon_time_end", "timestamptz"),
    ("result_time", "timestamptz"),
    ("result_type", "int2"),
    ("result_number", "float8"),
    ("result_string", "text"),
    ("result_json", "jsonb"),
    ("result_quality", "jsonb"),
    ("valid_time_start", "timestamptz"),
    ("valid_time_end", "timestamptz"),
    ("parameters", "jsonb"),
    ("datastream_id", "int8"),
    ("multi_datastream_id", "int8"),
    ("feature_of_interest_id", "int8"),
)
COPY_SQL = f"COPY observations ({', '.join(name for name, _ in COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
COPY_TYPES = [pg_type for _, pg_type in COPY_COLUMNS]
VALUE_FIELDS = [name for name, _ in COPY_COLUMNS[1:]]
TIME_FIELDS = [name for name, pg_type in COPY_COLUMNS if pg_type == "timestamptz"]
# The sequence is looked up once per statement (per row, pg_get_serial_sequence costs ~4 µs).
RESERVE_SQL = (
    "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('observations', 'id')::regclass AS seq) "
    "SELECT nextval(s.seq) FROM s, generate_series(1, %s)"
)


def reserve_ids(conn: psycopg.Connection[Any], n: int) -> list[int]:
    """`n` new observation ids from the sequence, ascending (not necessarily consecutive when
    other writers draw from the same sequence)."""
    with conn.cursor() as cur:
        cur.execute(RESERVE_SQL, (n,), prepare=True)
        return sorted(r[0] for r in cur.fetchall())


def copy_observations(conn: psycopg.Connection[Any], rows: Sequence[ObservationRow]) -> list[int]:
    """Insert `rows` with COPY; returns their ids in row order."""
    if not rows:
        return []
    ids = reserve_ids(conn, len(rows))
    with conn.cursor() as cur:
        set_json_dumps(_dumps, context=cur)
        with cur.copy(COPY_SQL) as copy:
            copy.set_types(COPY_TYPES)
            write_row = copy.write_row
            for obs_id, row in zip(ids, rows):
                values = observation_columns(row)
                for name in TIME_FIELDS:
                    values[name] = _utc(values[name])
                write_row([obs_id, *[values[name] for name in VALUE_FIELDS]])
    return ids


def _dumps(value: Any) -> bytes | str:
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: integers beyond 64 bits, non-string keys, …
        return json.dumps(value)


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
