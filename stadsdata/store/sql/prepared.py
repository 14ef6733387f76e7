"""Statements of the hot paths, built once: a SQLAlchemy statement with named bind parameters is
compiled once per dialect to the driver's own SQL text, then run straight on the transaction's
driver connection (`sqlite3`, `psycopg`) with bound parameters — no statement object built, no
cache key computed and no result wrapper made per call. psycopg prepares a statement on the
server once it has run a few times (its `prepare_threshold`), so on PostgreSQL these are real
prepared statements.

An IN list of constants is rendered into the text (a statement with one cannot take parameters
of its own). Values are converted as SQLAlchemy would, by the columns' types (e.g. `UtcTimestamp`: a datetime
is bound as microseconds on SQLite and read back as a datetime); columns and parameters whose
types need no conversion cost nothing. Rows are plain tuples in the statement's column order.
Driver errors leave as SQLAlchemy's (`DBAPIError.instance`), so the store translates them as any
other (`store/errors.py`).

    _BY_PREFIX = Prepared(lambda: select(api_keys).where(api_keys.c.prefix == bindparam("prefix")))
    row = _BY_PREFIX.first(conn, prefix="sdk_ab12")
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as one dialect's driver takes it."""

    sql: str
    order: tuple[str, ...] | None  # parameter names in order (a positional style), None: named
    constants: dict[str, Any]  # the statement's own values, e.g. of a LIMIT
    binds: dict[str, Processor]  # parameter name -> conversion, where its type needs one
    results: tuple[tuple[int, Processor], ...]  # column index -> conversion, where needed


class Prepared:
    """One statement, compiled once per dialect, run on the driver connection."""

    __slots__ = ("_build", "_compiled", "_lock")

    def __init__(self, build: Callable[[], ClauseElement]) -> None:
        self._build = build
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def compiled(self, conn: Connection) -> _Compiled:
        dialect = conn.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(dialect.name)
                if compiled is None:
                    compiled = self._compiled[dialect.name] = _compile(self._build(), dialect)
        return compiled

    def execute(self, conn: Connection, params: Mapping[str, Any] | None = None, /, **named: Any) -> Any:
        """The driver cursor of the statement run with `params` (and/or keyword parameters)."""
        c = self.compiled(conn)
        bound = self._bound(c, {**params, **named} if params is not None else named)
        driver = conn.connection.driver_connection
        try:
            return driver.execute(c.sql, bound)  # type: ignore[union-attr]
        except conn.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(c.sql, bound, exc, conn.dialect.loaded_dbapi.Error) from exc

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """The statement run once per parameter set of `rows` (the driver's `executemany`; psycopg
        pipelines it). For writes: no rows are read back."""
        if not rows:
            return
        c = self.compiled(conn)
        bound = [self._bound(c, row) for row in rows]
        driver = conn.connection.driver_connection
        try:
            driver.cursor().executemany(c.sql, bound)  # type: ignore[union-attr]
        except conn.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(c.sql, bound[0], exc, conn.dialect.loaded_dbapi.Error) from exc

    @staticmethod
    def _bound(c: _Compiled, params: Mapping[str, Any]) -> Any:
        values = {**c.constants, **params} if c.constants else dict(params)
        for name, convert in c.binds.items():
            if name in values:
                values[name] = convert(values[name])
        return tuple([values[name] for name in c.order]) if c.order is not None else values

    def first(self, conn: Connection, params: Mapping[str, Any] | None = None, /, **named: Any) -> tuple[Any, ...] | None:
        """The first row (a tuple in the statement's column order) or None."""
        row = self.execute(conn, params, **named).fetchone()
        return None if row is None else _typed(self.compiled(conn).results, row)

    def all(self, conn: Connection, params: Mapping[str, Any] | None = None, /, **named: Any) -> list[tuple[Any, ...]]:
        rows = self.execute(conn, params, **named).fetchall()
        results = self.compiled(conn).results
        return [_typed(results, row) for row in rows] if results else rows

    def scalar(self, conn: Connection, params: Mapping[str, Any] | None = None, /, **named: Any) -> Any:
        row = self.first(conn, params, **named)
        return None if row is None else row[0]


def _typed(results: tuple[tuple[int, Processor], ...], row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row with its columns converted as their types say."""
    if not results:
        return tuple(row)
    values = list(row)
    for index, convert in results:
        values[index] = convert(values[index])
    return tuple(values)


def _compile(statement: ClauseElement, dialect: Any) -> _Compiled:
    result = statement.compile(dialect=dialect)
    if "__[POSTCOMPILE_" in result.string:  # an IN list of constants: rendered into the text
        result = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    order = tuple(result.positiontup) if result.positional and result.positiontup is not None else None
    constants = {name: value for name, value in result.construct_params(_check=False).items() if value is not None}
    binds = {name: convert for name, convert in result._bind_processors.items() if convert is not None}  # noqa: SLF001
    columns = result._result_columns  # noqa: SLF001 - (key, name, objects, type) per column
    converters = ((index, _result_processor(column[3], dialect)) for index, column in enumerate(columns))
    return _Compiled(result.string, order, constants, binds, tuple((i, c) for i, c in converters if c is not None))


def _result_processor(type_: Any, dialect: Any) -> Processor | None:
    """The conversion of a result column of this type, if it needs one. Without the driver's
    column type at hand: psycopg's numeric processor asks for it (a float column comes as a
    float from psycopg already, so it needs none)."""
    try:
        return type_._cached_result_processor(dialect, None)  # type: ignore[no-any-return]  # noqa: SLF001
    except TypeError:
        return None
