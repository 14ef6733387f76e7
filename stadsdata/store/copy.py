"""Copy a whole platform from one store to another (SQLite ⇄ PostgreSQL), ids preserved,
verified by counting afterwards. Used by `stadsdata db copy`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, text

from stadsdata.store.schema import metadata
from stadsdata.store.sql.store import SqlStore

BATCH = 5_000
Progress = Callable[[str, int, int], None]  # (table, rows copied so far, rows in total)


class CopyError(RuntimeError):
    """The copy cannot start (destination not empty) or did not verify."""


@dataclass
class CopyReport:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (source, destination)

    @property
    def ok(self) -> bool:
        return all(a == b for a, b in self.counts.values())


def _counts(store: SqlStore) -> dict[str, int]:
    assert store.engine is not None
    with store.engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in metadata.sorted_tables}


def copy_database(src: SqlStore, dst: SqlStore, *, progress: Progress | None = None) -> CopyReport:
    """Copy every table in foreign-key order in one destination transaction; then verify."""
    assert src.engine is not None and dst.engine is not None
    if any(_counts(dst).values()):
        raise CopyError("the destination database is not empty; copy into a new, empty database")
    totals = _counts(src)
    with src.engine.connect() as source, dst.engine.begin() as target:
        for table in metadata.sorted_tables:
            done = 0
            rows = source.execution_options(yield_per=BATCH).execute(select(table).order_by(*table.primary_key.columns))
            for chunk in rows.mappings().partitions(BATCH):
                target.execute(insert(table), [dict(r) for r in chunk])
                done += len(chunk)
                if progress:
                    progress(table.name, done, totals[table.name])
            if progress and done == 0:
                progress(table.name, 0, 0)
        if target.dialect.name == "postgresql":
            for table in metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement is True:
                    target.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
    after = _counts(dst)
    report = CopyReport({name: (totals[name], after[name]) for name in totals})
    if not report.ok:
        raise CopyError(f"verification failed: {report.counts}")
    return report
