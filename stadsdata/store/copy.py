"""Copy a whole platform from one store to another (SQLite ⇄ PostgreSQL), ids preserved,
verified afterwards. Used by `stadsdata db copy`.

Every table of the shared schema is read in foreign-key order through its SQLAlchemy `Table`, so
each dialect's column types convert the values both ways (timestamps: integer µs ⇄ timestamptz;
JSON: TEXT ⇄ jsonb). Rows are streamed from the source (`yield_per`: a server-side cursor on
PostgreSQL) and written in batches, so memory stays flat however many observations there are.

The whole copy is ONE destination transaction: a failed or interrupted copy leaves the
destination exactly as empty as it was, so it can simply be run again (no half-copied platform
that would then be refused as "not empty"). The source is read inside one transaction as well
(REPEATABLE READ on PostgreSQL, a read transaction on SQLite/WAL): one consistent snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, Table, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from stadsdata.store.errors import translated
from stadsdata.store.schema import metadata, observations
from stadsdata.store.sql.store import SqlStore

BATCH = 10_000
Progress = Callable[[str, int, int], None]  # (table, rows copied so far, rows in total)
Fingerprint = tuple[int, int, int]  # (rows, sum of the key column, max of the key column)


class CopyError(RuntimeError):
    """The copy cannot start (e.g. destination not empty) or did not verify."""


@dataclass
class CopyReport:
    """Per table the fingerprint (rows, sum of ids, max id) of the source and the destination."""

    tables: dict[str, tuple[Fingerprint, Fingerprint]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, tuple[int, int]]:
        """table -> (rows in source, rows in destination)."""
        return {name: (a[0], b[0]) for name, (a, b) in self.tables.items()}

    @property
    def rows(self) -> int:
        return sum(a[0] for a, _ in self.tables.values())

    @property
    def mismatches(self) -> list[str]:
        return [name for name, (a, b) in self.tables.items() if a != b]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _key(table: Table) -> Any:
    """The column whose sum/max fingerprints a table: its id, or a link table's first key column."""
    return table.c.id if "id" in table.c else next(iter(table.primary_key.columns))


def _fingerprints(conn: Connection) -> dict[str, Fingerprint]:
    out = {}
    for table in metadata.sorted_tables:
        key = _key(table)
        if not isinstance(key.type, Integer):  # a text key (ingest_keys): fingerprint by the lengths
            key = func.length(key)
        rows, total, top = conn.execute(
            select(func.count(), func.coalesce(func.sum(key), 0), func.coalesce(func.max(key), 0)).select_from(table)
        ).one()
        out[table.name] = (int(rows), int(total), int(top))
    return out


def _has_id_sequence(table: Table) -> bool:
    return "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement is True


def _issued_ids(conn: Connection) -> dict[str, int]:
    """Per table the highest id its sequence has handed out (also of entities deleted since)."""
    out = {}
    for table in metadata.sorted_tables:
        if not _has_id_sequence(table):
            continue
        if conn.dialect.name == "postgresql":
            sequence = conn.execute(text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')")).scalar_one()
            last, called = conn.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
            out[table.name] = int(last) if called else int(last) - 1
        elif conn.dialect.name == "sqlite":
            seq = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :n"), {"n": table.name}).scalar()
            out[table.name] = int(seq or 0)
    return out


def _continue_ids(conn: Connection, issued: dict[str, int]) -> None:
    """New entities get ids past every copied one, and past the ids the source had already
    handed out to entities deleted since (AUTOINCREMENT semantics: an id is never reused)."""
    for table in metadata.sorted_tables:
        if not _has_id_sequence(table):
            continue
        top = max(
            int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()), issued.get(table.name, 0)
        )
        if conn.dialect.name == "postgresql":
            # setval(seq, top + 1, false): the next nextval() returns top + 1 (also when top is 0).
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {top + 1}, false)"))
        elif conn.dialect.name == "sqlite" and table.dialect_options["sqlite"].get("autoincrement"):
            # SQLite raises sqlite_sequence itself on explicit-id inserts; the deleted ids it cannot know.
            params = {"name": table.name, "seq": top}
            updated = conn.execute(text("UPDATE sqlite_sequence SET seq = max(seq, :seq) WHERE name = :name"), params)
            if not updated.rowcount and top:
                conn.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"), params)


def _check_spatial_index(conn: Connection) -> None:
    """SQLite: the R*Tree triggers filled one box per row with a bounding box."""
    if conn.dialect.name != "sqlite":
        return
    for table in ("locations", "features_of_interest"):
        boxes = conn.execute(text(f"SELECT count(*) FROM {table} WHERE bbox_minx IS NOT NULL")).scalar_one()
        indexed = conn.execute(text(f"SELECT count(*) FROM {table}_rtree")).scalar_one()
        if boxes != indexed:
            raise CopyError(f"spatial index of {table} has {indexed} boxes for {boxes} geometries")


def _writer(conn: Connection, table: Table) -> Callable[[Sequence[Any]], None]:
    """Writes batches of source rows (tuples in `table.columns` order, as Python values) into
    `table`: each value goes through the destination column type's bind processor (the same
    conversion SQLAlchemy applies: µs integers and JSON text on SQLite, Jsonb on PostgreSQL),
    then straight to the driver — PostgreSQL `COPY … FROM STDIN`, SQLite `executemany` —
    which is several times faster than a Core `insert()` per row."""
    dialect = conn.dialect
    names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in table.columns)
    processors = [
        (i, p) for i, c in enumerate(table.columns) if (p := c.type.dialect_impl(dialect).bind_processor(dialect))
    ]
    driver: Any = conn.connection.driver_connection

    def prepared(chunk: Sequence[Any]) -> Iterator[Any]:
        if not processors:
            yield from chunk
            return
        for row in chunk:
            values = list(row)
            for i, process in processors:
                if values[i] is not None:
                    values[i] = process(values[i])
            yield values

    if dialect.name == "postgresql":

        def write_copy(chunk: Sequence[Any]) -> None:
            with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for values in prepared(chunk):
                    copy.write_row(values)

        return write_copy
    if dialect.name == "sqlite":
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(table.columns))})"

        def write_many(chunk: Sequence[Any]) -> None:
            driver.executemany(sql, list(prepared(chunk)))

        return write_many

    def write_core(chunk: Sequence[Any]) -> None:  # any other dialect: plain SQLAlchemy Core
        conn.execute(insert(table), [dict(row._mapping) for row in chunk])

    return write_core


def copy_database(src: SqlStore, dst: SqlStore, *, progress: Progress | None = None) -> CopyReport:
    """Copy every table in foreign-key order in one destination transaction, then verify
    (rows, sum and max of ids per table) and raise CopyError on any difference. A database error
    (e.g. a lost connection: the destination is rolled back) is raised as the store's own."""
    try:
        return _copy(src, dst, progress)
    except SQLAlchemyError as exc:
        raise translated(exc) from exc


def _copy(src: SqlStore, dst: SqlStore, progress: Progress | None) -> CopyReport:
    assert src.engine is not None and dst.engine is not None
    started = time.monotonic()
    with dst.engine.connect() as conn:
        filled = {name: fp[0] for name, fp in _fingerprints(conn).items() if fp[0]}
    if filled:
        listing = ", ".join(f"{name} ({rows} rows)" for name, rows in filled.items())
        raise CopyError(f"the destination database is not empty: {listing}; copy into a new, empty database")

    source_conn = src.engine.connect()
    if source_conn.dialect.name == "postgresql":
        source_conn = source_conn.execution_options(isolation_level="REPEATABLE READ")
    with source_conn as source, source.begin():
        before = _fingerprints(source)
        issued = _issued_ids(source)
        with dst.engine.connect().execution_options(stadsdata_write=True) as target, target.begin():
            prepare = dst.transaction_on(target)
            for table in metadata.sorted_tables:
                total, done = before[table.name][0], 0
                if progress:
                    progress(table.name, 0, total)
                query = select(table).order_by(*table.primary_key.columns)
                rows = source.execution_options(yield_per=BATCH).execute(query)
                write = _writer(target, table)
                for chunk in rows.partitions(BATCH):
                    if table is observations:  # PostgreSQL: the time partitions these rows need
                        prepare.prepare_observation_times([row.phenomenon_time_start for row in chunk])
                    write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(table.name, done, total)
            _continue_ids(target, issued)
            _check_spatial_index(target)
            after = _fingerprints(target)
            report = CopyReport({name: (before[name], after[name]) for name in before})
            if not report.ok:  # raising here rolls the destination back
                details = "; ".join(f"{n}: source {before[n]} != destination {after[n]}" for n in report.mismatches)
                raise CopyError(f"verification failed (rows, sum of ids, max id): {details}")
    with dst.engine.connect() as conn:  # committed: check once more what a new connection sees
        committed = _fingerprints(conn)
    if committed != after:
        raise CopyError("verification failed: the committed destination differs from what was copied")
    report.seconds = time.monotonic() - started
    return report
