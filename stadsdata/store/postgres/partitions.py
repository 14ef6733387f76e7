"""Time partitions of `observations` on PostgreSQL: one partition per calendar month (UTC) of
`phenomenon_time_start`, created when the first observation of that month arrives.

Months from 1900-01 to 2199-12 get their own partition; earlier and later times (historical
records, wrong clocks) go to the two catch-all partitions the migration creates, so a client
cannot make an unbounded number of partitions.

A missing partition is created in a short transaction of its own on a second connection, which
commits at once, so the writing transaction (which sees it on its next statement) and every
other writer can use it straight away. Creating one is `CREATE TABLE … (LIKE observations …)` +
`ATTACH PARTITION`: that locks the parent only in SHARE UPDATE EXCLUSIVE mode, so reads and
inserts into other partitions go on, but adding the partition's foreign keys needs SHARE ROW
EXCLUSIVE on the referenced tables, which waits for every transaction that has written to them.
If that is the writing transaction itself (it inserted a FeatureOfInterest or a Datastream just
before; `pg_locks` tells), or if other transactions hold the side transaction up for
`SIDE_LOCK_TIMEOUT`, the partition is created inside the writing transaction instead: it then
rolls back with it, and a deadlock with another writer is possible (the API retries the
request). A transaction-level advisory lock
serialises creators, so two processes that need the same month do not collide.
`PartitionRegistry.ensure_current()` creates this month's and next month's partitions at
start-up, so that live ingest does not normally create any."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

PARENT = "observations"
FIRST_YEAR, END_YEAR = 1900, 2200  # monthly partitions for [FIRST_YEAR-01, END_YEAR-01)
BEFORE = f"{PARENT}_before_{FIRST_YEAR}"
FROM_END = f"{PARENT}_from_{END_YEAR}"
# pg_advisory_xact_lock key: 'stadsdata' in ASCII, then 1 for "observation partitions".
LOCK_KEY = 0x73746164_00000001
SIDE_LOCK_TIMEOUT = "1s"

Month = tuple[int, int]


def month_of(value: datetime) -> Month | None:
    """The (year, month) partition that holds `value`, or None for a catch-all partition."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    if not FIRST_YEAR <= value.year < END_YEAR:
        return None
    return value.year, value.month


def partition_name(month: Month) -> str:
    return f"{PARENT}_p{month[0]:04d}_{month[1]:02d}"


def _bounds(month: Month) -> tuple[str, str]:
    year, m = month
    upper = (year + 1, 1) if m == 12 else (year, m + 1)
    return f"{year:04d}-{m:02d}-01 00:00:00+00", f"{upper[0]:04d}-{upper[1]:02d}-01 00:00:00+00"


def create_partition_sql(month: Month) -> list[str]:
    name = partition_name(month)
    lower, upper = _bounds(month)
    return [
        f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)",
        f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ('{lower}') TO ('{upper}')",
    ]


def catch_all_sql() -> list[str]:
    """The two partitions outside the monthly range (created by the migration)."""
    return [
        f"CREATE TABLE {BEFORE} PARTITION OF {PARENT} FOR VALUES FROM (MINVALUE) TO ('{FIRST_YEAR}-01-01 00:00:00+00')",
        f"CREATE TABLE {FROM_END} PARTITION OF {PARENT} FOR VALUES FROM ('{END_YEAR}-01-01 00:00:00+00') TO (MAXVALUE)",
    ]


def existing_partitions(conn: Connection) -> set[str]:
    rows = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        f"WHERE i.inhparent = '{PARENT}'::regclass"
    )
    return {r[0] for r in rows}


def ensure_months(conn: Connection, months: Iterable[Month]) -> tuple[set[str], set[str]]:
    """Create the partitions of `months` that do not exist yet, in the transaction of `conn`.
    Returns (the partitions that existed before, the ones created now)."""
    wanted = {partition_name(m): m for m in months}
    present = existing_partitions(conn)
    if wanted.keys() <= present:
        return present, set()
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
    present = existing_partitions(conn)  # another transaction may have made them meanwhile
    created = set()
    for name, month in sorted(wanted.items()):
        if name not in present:
            for sql in create_partition_sql(month):
                conn.exec_driver_sql(sql)
            created.add(name)
    return present, created


def _writes_referenced_tables(conn: Connection) -> bool:
    """Whether this transaction has written to a table the partitions' foreign keys reference
    (attaching a partition elsewhere would then wait for this transaction to end)."""
    return bool(
        conn.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' "
            "AND relation IN ('datastreams'::regclass, 'multi_datastreams'::regclass, 'features_of_interest'::regclass) "
            "AND mode <> 'AccessShareLock' AND mode <> 'RowShareLock')"
        ).scalar()
    )


class PartitionRegistry:
    """What one store process knows about the partitions that exist, so that a batch whose
    months all have a partition costs no catalog query. Only partitions read back from the
    catalog are remembered (one created by a transaction that rolls back is not)."""

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def ensure(self, conn: Connection, times: Iterable[datetime]) -> None:
        """Make sure the partitions for `times` exist before the transaction on `conn` writes
        observations with those phenomenon time starts."""
        months = {m for t in times if t is not None and (m := month_of(t)) is not None}
        if not months or {partition_name(m) for m in months} <= self._known:
            return
        present = existing_partitions(conn)
        missing = {m for m in months if partition_name(m) not in present}
        if missing:
            if _writes_referenced_tables(conn):  # the side transaction would wait for us: no use trying
                ensure_months(conn, missing)  # not remembered: this transaction may still roll back
            else:
                try:
                    present |= self._create_aside(conn, missing)
                except OperationalError as exc:  # e.g. the lock timeout
                    log.info("creating partitions %s in the writing transaction (%s)", sorted(missing), exc.orig)
                    ensure_months(conn, missing)
        with self._lock:
            self._known |= present

    def _create_aside(self, conn: Connection, months: set[Month]) -> set[str]:
        """Create `months` in a transaction of their own, committed before this returns."""
        with conn.engine.connect() as side, side.begin():
            side.exec_driver_sql(f"SET LOCAL lock_timeout = '{SIDE_LOCK_TIMEOUT}'")
            present, created = ensure_months(side, months)
        return present | created

    def ensure_current(self, conn: Connection, now: datetime | None = None) -> None:
        """This month's and next month's partitions (at start-up, in their own transaction)."""
        now = now or datetime.now(UTC)
        this = (now.year, now.month)
        following = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
        present, created = ensure_months(conn, [this, following])
        with self._lock:
            self._known = present | created  # the caller commits before serving
