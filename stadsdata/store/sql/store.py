"""What both SQL backends share: the engine, thread-local transactions that nest (so a
`$batch` change set is one transaction), the per-stream summary reads and cheap counts.

A backend subclass provides `_create_engine`, its `Transaction` class and optionally a spatial
pre-filter; the schema comes from the migrations in `store/migrations/` (one set, both dialects)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from stadsdata.model.entities import OBSERVATION, EntityType
from stadsdata.query.ast import StreamDatasets
from stadsdata.store import migrations
from stadsdata.store.base import ReadRequest, Record, Store, Transaction
from stadsdata.store.errors import Busy, WouldWait, translated
from stadsdata.store.schema import datastreams, multi_datastreams, observations, quarantine
from stadsdata.store.sql.codec import record_from_row
from stadsdata.store.sql.reader import SqlReader, follows_stream, latest_observation_join
from stadsdata.store.sql.transaction import SqlTransaction

log = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    """The database schema is not the revision this version of stadsdata needs."""


class SqlStore(Store):
    transaction_class: type[SqlTransaction] = SqlTransaction

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._local = threading.local()
        self._figures_lock = threading.Lock()

    def check_ready(self) -> None:
        assert self.engine is not None, "store not opened"
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def quarantine_held(self) -> int:
        with self.read_only() as tx:
            return int(tx.conn.execute(select(func.count()).select_from(quarantine).where(quarantine.c.status == "held")).scalar() or 0)  # type: ignore[attr-defined]

    # -- backend hooks --------------------------------------------------------------------
    def _create_engine(self) -> Engine:
        raise NotImplementedError

    def _write_guard(self) -> AbstractContextManager[Any]:
        """Held around every write transaction (SQLite: one writer per process)."""
        return nullcontext()

    def _write_options(self) -> dict[str, Any]:
        return {"stadsdata_write": True}

    def _unlimited(self, conn: Connection) -> None:
        """Lift the time limit of API queries for this transaction (migrations, start-up)."""

    def estimate_rows(self, conn: Connection, stmt: Any) -> int | None:
        """The query planner's estimate of how many rows `stmt` returns, if the backend has one."""
        return None

    def bbox_prefilter(self, entity: EntityType, table: Any, box: tuple[float, float, float, float]) -> Any:
        """A cheap condition that rows whose geometry may meet `box` satisfy (bounding boxes)."""
        c = table.c
        if "bbox_minx" not in c:
            return c.id.isnot(None)
        minx, miny, maxx, maxy = box
        return (c.bbox_minx <= maxx) & (c.bbox_maxx >= minx) & (c.bbox_miny <= maxy) & (c.bbox_maxy >= miny)

    # -- lifecycle ------------------------------------------------------------------------
    def open(self, *, migrate: bool = True) -> None:
        """Connect; with `migrate` bring the schema to the newest revision, else refuse to run
        on a schema this version does not know."""
        self.engine = self._create_engine()
        with self.engine.begin() as conn:
            self._unlimited(conn)
            if migrate:
                migrations.upgrade(conn)
                return
            current, head = migrations.current_revision(conn), migrations.head_revision()
        if current != head:
            self.close()
            raise SchemaOutOfDate(
                f"the database schema is at revision {current or 'none'}, this version needs {head}: "
                "run `stadsdata db upgrade` (or start without --no-migrate)"
            )

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    # -- transactions -----------------------------------------------------------------------
    def _reader(self, conn: Connection) -> SqlReader:
        return SqlReader(
            conn,
            bbox_prefilter=self.bbox_prefilter,
            count_shortcut=lambda req: count_shortcut(conn, req),
            count_limit=self.count_limit,
            estimate_rows=lambda stmt: self.estimate_rows(conn, stmt),
        )

    def transaction_on(self, conn: Connection) -> SqlTransaction:
        """This backend's unit of work on a connection the caller manages (e.g. `db copy`)."""
        return self.transaction_class(conn, self._reader(conn))

    def in_transaction(self) -> bool:
        return getattr(self._local, "tx", None) is not None

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        current = getattr(self._local, "tx", None)
        if current is not None and current[1]:
            yield current[0]  # joins the open write transaction of this thread
            return
        if current is not None:
            raise RuntimeError("a write cannot start inside a read-only transaction")
        with self._write_guard(), self._begin(write=True) as tx:
            yield tx

    @contextmanager
    def read_only(self) -> Iterator[Transaction]:
        current = getattr(self._local, "tx", None)
        if current is not None:
            yield current[0]
            return
        with self._begin(write=False) as tx:
            yield tx

    @contextmanager
    def _begin(self, *, write: bool) -> Iterator[Transaction]:
        """A new connection and transaction, registered as this thread's current one. What the
        database library raises in it (connecting, any statement, the commit) leaves as the
        store's own error (`store/errors.py`)."""
        try:
            with self._begin_raw(write=write) as tx:
                yield tx
        except SQLAlchemyError as exc:
            error = translated(exc)
            if isinstance(error, Busy) and self.waiting_forbidden():
                raise WouldWait(error.detail) from exc
            raise error from exc

    @contextmanager
    def without_waiting(self) -> Iterator[None]:
        previous = getattr(self._local, "no_wait", False)
        self._local.no_wait = True
        try:
            yield
        finally:
            self._local.no_wait = previous

    def waiting_forbidden(self) -> bool:
        """Whether this thread runs under `without_waiting()`."""
        return bool(getattr(self._local, "no_wait", False))

    @contextmanager
    def _begin_raw(self, *, write: bool) -> Iterator[Transaction]:
        assert self.engine is not None, "store not opened"
        with self.engine.connect() as conn:
            if write:
                conn = conn.execution_options(**self._write_options())
            tx = self.transaction_on(conn)
            listeners = getattr(self, "commit_listeners", None) if write else None
            tx.record_changes = bool(listeners)
            self._local.tx = (tx, write)
            try:
                with conn.begin():
                    yield tx
            finally:
                self._local.tx = None
        if tx.observations_inserted:  # committed
            with self._figures_lock:
                self.observations_committed += tx.observations_inserted
        if listeners and tx.changes:  # committed: tell who listens
            for listener in listeners:
                try:
                    listener(tx.changes)
                except Exception:  # noqa: BLE001 - a listener never undoes or fails a commit
                    log.exception("commit listener failed")

    def latest_observations(self, datastream_ids: Sequence[int] | None = None) -> Iterator[tuple[int, Record | None]]:
        d = datastreams.c
        stmt = select(d.id.label("_ds"), observations).select_from(
            datastreams.outerjoin(observations, latest_observation_join(observations, datastreams))
        )
        if datastream_ids is not None:
            stmt = stmt.where(d.id.in_(list(datastream_ids)))
        with self.read_only() as tx:
            conn = tx.conn  # type: ignore[attr-defined]
            for row in conn.execute(stmt.order_by(d.id)).mappings():
                yield row["_ds"], (record_from_row(OBSERVATION, row) if row["id"] is not None else None)


def count_shortcut(conn: Connection, req: ReadRequest) -> int | None:
    """Exact counts from the stream summaries instead of scanning observations."""
    if req.entity.name != "Observation" or req.options.filter is not None:
        return None
    scope = req.scope(req.entity)
    if not follows_stream(scope):
        return None
    parent = req.parent
    if parent is None:
        total = 0
        for table in (datastreams, multi_datastreams):
            stmt = select(func.coalesce(func.sum(table.c.observation_count), 0))
            if isinstance(scope, StreamDatasets):  # the streams the caller sees
                visible = table.c.dataset_id.in_(list(scope.dataset_in))
                stmt = stmt.where(or_(visible, table.c.dataset_id.is_(None)) if scope.or_unassigned else visible)
            total += int(conn.execute(stmt).scalar_one())
        return total
    # A stream's own count: the request resolved the stream within the caller's scope already.
    if parent.entity.name in ("Datastream", "MultiDatastream") and parent.nav == "Observations":
        table = datastreams if parent.entity.name == "Datastream" else multi_datastreams
        value = conn.execute(select(table.c.observation_count).where(table.c.id == parent.id)).scalar()
        return int(value or 0)
    return None
