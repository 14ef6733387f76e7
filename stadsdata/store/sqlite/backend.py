"""The embedded SQLite store: one file, zero set-up.

- WAL journal, `synchronous=NORMAL`, foreign keys on; one writer at a time (a process-wide lock
  plus `BEGIN IMMEDIATE`), readers in parallel on their own connections.
- Spatial predicates are shapely functions registered on each connection; an R*Tree per
  geometry table (kept in step by triggers) pre-filters by bounding box.
- Bulk observation inserts go straight to the driver's `executemany` inside the transaction.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Column, Float, MetaData, Table, create_engine, event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from stadsdata.geo.sqlite_functions import register as register_geo_functions
from stadsdata.model.entities import EntityType
from stadsdata.store.base import ObservationRow
from stadsdata.store.errors import WouldWait
from stadsdata.store.schema import RESULT_FLOAT
from stadsdata.store.sql.codec import encode_result
from stadsdata.store.sql.store import SqlStore
from stadsdata.store.sql.transaction import SqlTransaction
from stadsdata.store.sqlite.regexp import register as register_regexp
from stadsdata.store.types import to_micros

_rtree_metadata = MetaData()
RTREES = {
    name: Table(
        f"{table}_rtree",
        _rtree_metadata,
        Column("id", primary_key=True),
        *(Column(c, Float) for c in ("minx", "maxx", "miny", "maxy")),
    )
    for name, table in (("Location", "locations"), ("FeatureOfInterest", "features_of_interest"))
}

_INSERT_OBSERVATIONS = (
    "INSERT INTO observations (phenomenon_time_start, phenomenon_time_end, result_time, result_type, "
    "result_number, result_string, result_json, result_quality, valid_time_start, valid_time_end, parameters, "
    "datastream_id, multi_datastream_id, feature_of_interest_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


_OBSERVATION_COLUMNS = 14
_ROWS_PER_INSERT = 256


@lru_cache(maxsize=8)
def _insert_rows_sql(rows: int) -> str:
    """`_INSERT_OBSERVATIONS` with `rows` rows of placeholders."""
    head, _, placeholders = _INSERT_OBSERVATIONS.partition(" VALUES ")
    return f"{head} VALUES {','.join([placeholders] * rows)}"


def _dumps(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _micros(value: Any) -> int | None:
    return None if value is None else to_micros(value)


class SqliteTransaction(SqlTransaction):
    def _bulk_insert(self, rows: Sequence[ObservationRow]) -> list[int]:
        params = []
        append = params.append
        for row in rows:
            # Hot loop (once per observation): the common cases are inlined; the values are
            # exactly those of encode_result/_micros/_dumps.
            result = row.result
            if type(result) is float:
                kind, number, text, json_text = RESULT_FLOAT, result, None, None
            else:
                kind, number, text, json_value = encode_result(result)
                json_text = None if json_value is None else _dumps(json_value)
            start, end = row.phenomenon_time_start, row.phenomenon_time_end
            start_us = to_micros(start)
            result_time, quality, parameters = row.result_time, row.result_quality, row.parameters
            append(
                (
                    start_us,
                    start_us if end is start else to_micros(end),
                    None if result_time is None else to_micros(result_time),
                    kind,
                    number,
                    text,
                    json_text,
                    None if quality is None else _dumps(quality),
                    _micros(row.valid_time_start),
                    _micros(row.valid_time_end),
                    None if parameters is None else _dumps(parameters),
                    row.datastream_id,
                    row.multi_datastream_id,
                    row.feature_of_interest_id,
                )
            )
        driver: sqlite3.Connection = self.conn.connection.driver_connection  # type: ignore[assignment]
        # Multi-row INSERT ... VALUES (…),(…): per statement, not per row, SQLite runs the
        # statement set-up and the AUTOINCREMENT bookkeeping (sqlite_sequence) — faster than
        # executemany. Rows are inserted in VALUES order.
        size = max(1, min(_ROWS_PER_INSERT, driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // _OBSERVATION_COLUMNS))
        last = 0
        for start in range(0, len(params), size):
            chunk = params[start : start + size]
            # the cursor's lastrowid is sqlite3_last_insert_rowid() after the statement: the id of
            # its last row (no `SELECT last_insert_rowid()` round trip)
            last = driver.execute(_insert_rows_sql(len(chunk)), list(chain.from_iterable(chunk))).lastrowid
        # With AUTOINCREMENT and a single writer, the rows of one call get consecutive ids.
        first = last - len(params) + 1
        return list(range(first, last + 1))


class SqliteStore(SqlStore):
    dialect = "sqlite"
    transaction_class = SqliteTransaction
    answers_without_waiting = True  # an in-process file: a short transaction that need not wait costs microseconds

    def __init__(self, path: str | Path, *, timeout_s: float = 30.0) -> None:
        super().__init__()
        self.path = str(path)
        self.timeout_s = timeout_s
        self._write_lock = threading.RLock()

    def _create_engine(self) -> Engine:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            f"sqlite:///{self.path}",
            poolclass=QueuePool,
            pool_size=8,
            max_overflow=24,
            connect_args={"check_same_thread": False, "timeout": self.timeout_s},
        )
        event.listen(engine, "connect", self._on_connect)
        event.listen(engine, "begin", self._on_begin)
        return engine

    def _write_guard(self) -> AbstractContextManager[Any]:
        if self.waiting_forbidden():
            return self._write_lock_now()
        return self._write_lock

    @contextmanager
    def _write_lock_now(self) -> Iterator[None]:
        """The writer's lock if it is free (or held by this thread) now, else WouldWait."""
        if not self._write_lock.acquire(blocking=False):
            raise WouldWait("another write transaction of this process is running")
        try:
            yield
        finally:
            self._write_lock.release()

    @staticmethod
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA foreign_keys=ON")
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")
        dbapi_conn.execute("PRAGMA temp_store=MEMORY")
        dbapi_conn.execute("PRAGMA cache_size=-65536")
        register_geo_functions(dbapi_conn)
        register_regexp(dbapi_conn)
        dbapi_conn.create_function("floor", 1, _floor, deterministic=True)
        dbapi_conn.create_function("ceiling", 1, _ceiling, deterministic=True)

    def _on_begin(self, conn: Connection) -> None:
        statement = "BEGIN IMMEDIATE" if conn.get_execution_options().get("stadsdata_write", False) else "BEGIN"
        driver: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        try:  # on the driver: no statement machinery for every transaction
            # How long a lock of another connection (process) is waited for: not at all under
            # `without_waiting()` ("database is locked" at once: WouldWait), else `timeout_s`.
            wait_ms = 0 if self.waiting_forbidden() else int(self.timeout_s * 1000)
            info = conn.connection.info
            if info.get("busy_timeout_ms") != wait_ms:
                driver.execute(f"PRAGMA busy_timeout = {wait_ms}")
                info["busy_timeout_ms"] = wait_ms
            driver.execute(statement)
        except sqlite3.Error as exc:  # e.g. "database is locked": leaves as SQLAlchemy's, translated by the store
            raise DBAPIError.instance(statement, (), exc, sqlite3.Error) from exc

    def bbox_prefilter(self, entity: EntityType, table: Any, box: tuple[float, float, float, float]) -> Any:
        """`table.id IN (R*Tree rows whose box overlaps box)`; no-op for tables without geometry."""
        rtree = RTREES.get(entity.name)
        if rtree is None:
            return table.c.id.isnot(None)
        minx, miny, maxx, maxy = box
        r = rtree.c
        return table.c.id.in_(select(r.id).where(r.minx <= maxx, r.maxx >= minx, r.miny <= maxy, r.maxy >= miny))


def _floor(value: Any) -> Any:
    try:
        return None if value is None else math.floor(value)
    except (TypeError, ValueError, OverflowError):  # text (e.g. from JSON), NaN, infinity: never raise in SQL
        return None


def _ceiling(value: Any) -> Any:
    try:
        return None if value is None else math.ceil(value)
    except (TypeError, ValueError, OverflowError):
        return None
