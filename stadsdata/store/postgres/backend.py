"""The PostgreSQL + PostGIS store: the same schema and SQL as SQLite, with PostGIS for the
spatial functions and `INSERT … RETURNING` in batches for bulk observations.

Several `stadsdata serve` processes may share one database: there is no process-local state
beyond the connection pool; the per-stream summary rows are locked (`FOR UPDATE`) while a batch
folds into them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import create_engine, insert
from sqlalchemy.engine import Connection, Engine

import stadsdata.store.postgres.functions  # noqa: F401  (registers the PostgreSQL SQL spellings)
from stadsdata.store.base import ObservationRow
from stadsdata.store.schema import observations
from stadsdata.store.sql.store import SqlStore
from stadsdata.store.sql.transaction import SqlTransaction, observation_columns


class PostgresTransaction(SqlTransaction):
    def _bulk_insert(self, rows: Sequence[ObservationRow]) -> list[int]:
        stmt = insert(observations).returning(observations.c.id, sort_by_parameter_order=True)
        result = self.conn.execute(stmt, [observation_columns(row) for row in rows])
        return [r[0] for r in result]


class PostgresStore(SqlStore):
    dialect = "postgresql"
    transaction_class = PostgresTransaction

    def __init__(self, url: str, *, statement_timeout_ms: int = 30_000, pool_size: int = 10) -> None:
        super().__init__()
        self.url = _driver_url(url)
        self.statement_timeout_ms = statement_timeout_ms
        self.pool_size = pool_size

    def _create_engine(self) -> Engine:
        return create_engine(
            self.url,
            pool_size=self.pool_size,
            max_overflow=self.pool_size * 2,
            pool_pre_ping=True,
            connect_args={"options": "-c timezone=UTC"},
        )

    def _started(self, conn: Connection) -> None:
        # Per transaction, so that API queries are limited but migrations and start-up are not.
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(self.statement_timeout_ms)}")

    def _write_options(self) -> dict[str, Any]:
        return {}


def _driver_url(url: str) -> str:
    """postgresql://… → postgresql+psycopg://… (psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
