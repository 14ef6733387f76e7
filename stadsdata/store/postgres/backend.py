"""The PostgreSQL + PostGIS store: the same schema and SQL as SQLite, with PostGIS for the
spatial functions and binary `COPY` (ids reserved from the sequence first) for bulk observations.

Observations are partitioned by month of phenomenon time, created on demand before a write needs
them (`partitions.py`).

Several `stadsdata serve` processes may share one database: there is no process-local state
beyond the connection pool and a cache of which partitions exist; the per-stream summary rows are
locked (`FOR NO KEY UPDATE`) while a batch folds into them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import psycopg
from sqlalchemy import create_engine, event, func, literal_column
from sqlalchemy.engine import Connection, Engine

from stadsdata.model.entities import EntityType
from stadsdata.store.base import ObservationRow
from stadsdata.store.errors import InvalidValue
from stadsdata.store.postgres.bulk import copy_observations
from stadsdata.store.postgres.functions import Explain  # also registers the PostgreSQL SQL spellings
from stadsdata.store.postgres.partitions import PartitionRegistry
from stadsdata.store.sql.reader import SqlReader
from stadsdata.store.sql.store import SqlStore
from stadsdata.store.sql.transaction import SqlTransaction

# The aggregates' buckets (`Transaction.rollup_buckets`): width_bucket gives 1 for [edges[0], edges[1]), …
_ROLLUP_BUCKETS = """
SELECT datastream_id, width_bucket(extract(epoch FROM bucket_start)::float8, %(edges)s::float8[]) - 1 AS bucket,
       sum(count)::bigint, sum(sum), min(min), max(max), sum(sum_squares)
FROM observation_rollups
WHERE datastream_id = ANY(%(ids)s) AND bucket_start >= %(start)s AND bucket_start < %(end)s
GROUP BY datastream_id, bucket
ORDER BY datastream_id, bucket
"""


class PostgresTransaction(SqlTransaction):
    def __init__(self, conn: Connection, reader: SqlReader, partitions: PartitionRegistry) -> None:
        super().__init__(conn, reader)
        self.partitions = partitions

    def rollup_buckets(
        self, datastream_ids: Sequence[int], edges: Sequence[datetime], start: datetime, end: datetime
    ) -> list[tuple[int, int, int, float, float, float, float]]:
        """Summed in the database: each hour's bucket by `width_bucket` over the edges' epoch seconds
        (the range lies within the edges, so every hour falls in one)."""
        if not datastream_ids:
            return []
        rows = self.conn.exec_driver_sql(_ROLLUP_BUCKETS, {
            "edges": [edge.timestamp() for edge in edges], "ids": sorted(set(datastream_ids)), "start": start, "end": end,
        })  # fmt: skip
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def prepare_observation_times(self, phenomenon_time_starts: Sequence[datetime]) -> None:
        self.partitions.ensure(self.conn, phenomenon_time_starts)

    def _bulk_insert(self, rows: Sequence[ObservationRow]) -> list[int]:
        """Ids reserved from the sequence, then one binary COPY in this transaction (see bulk.py).
        A value the database refuses (psycopg's DataError, raised past SQLAlchemy by the raw COPY)
        is the store's InvalidValue, as every other statement's would be: the API answers 400."""
        try:
            return copy_observations(self.conn.connection.driver_connection, rows)  # type: ignore[arg-type]
        except psycopg.DataError as exc:
            raise InvalidValue(f"COPY observations: {str(exc).strip().splitlines()[0]}") from exc


class PostgresStore(SqlStore):
    dialect = "postgresql"
    writes_in_reads = True

    def __init__(self, url: str, *, statement_timeout_ms: int = 30_000, pool_size: int = 10) -> None:
        super().__init__()
        self.url = _driver_url(url)
        self.statement_timeout_ms = statement_timeout_ms
        self.pool_size = pool_size
        self.partitions = PartitionRegistry()

    def open(self, *, migrate: bool = True) -> None:
        super().open(migrate=migrate)
        assert self.engine is not None
        with self.engine.begin() as conn:
            self._unlimited(conn)
            self.partitions.ensure_current(conn)

    def transaction_on(self, conn: Connection) -> SqlTransaction:
        return PostgresTransaction(conn, self._reader(conn), self.partitions)

    def _create_engine(self) -> Engine:
        engine = create_engine(
            self.url,
            pool_size=self.pool_size,
            max_overflow=self.pool_size * 2,
            pool_pre_ping=True,
            connect_args={"options": "-c timezone=UTC"},
            # jsonb hands back large numbers without exponent (9.2e18 -> 9200000000000000000): parse
            # them as the request parser does (orjson: beyond 64 bits a float), so every stored
            # value can be written out again
            json_deserializer=orjson.loads,
        )
        event.listen(engine, "connect", self._limit_queries)
        return engine

    def _limit_queries(self, dbapi_conn: psycopg.Connection[Any], _record: Any) -> None:
        """The time limit of every query as the connection's default (set once it is made, after
        the driver and SQLAlchemy looked up what they need), not a `SET LOCAL` per transaction: a
        round trip less for each request."""
        dbapi_conn.execute(f"SET statement_timeout = {int(self.statement_timeout_ms)}")
        dbapi_conn.commit()

    def bbox_prefilter(self, entity: EntityType, table: Any, box: tuple[float, float, float, float]) -> Any:
        """Bounding boxes overlapping `box` (`&&`), answered by the GiST index on the box columns
        (migration 0002; the expression must stay exactly the indexed one)."""
        c = table.c
        if "bbox_minx" not in c:
            return c.id.isnot(None)
        srid = literal_column("4326")  # inline, so the planner matches the index expression
        envelope = func.ST_MakeEnvelope(c.bbox_minx, c.bbox_miny, c.bbox_maxx, c.bbox_maxy, srid)
        return envelope.op("&&")(func.ST_MakeEnvelope(*(float(v) for v in box), srid))

    def estimate_rows(self, conn: Connection, stmt: Any) -> int | None:
        plan = conn.execute(Explain(stmt)).scalar_one()
        return int(plan[0]["Plan"]["Plan Rows"])

    def _unlimited(self, conn: Connection) -> None:
        # The connections' default limit (`_create_engine`) is for API queries; migrations and
        # start-up are not limited.
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")

    def _write_options(self) -> dict[str, Any]:
        return {}


def _driver_url(url: str) -> str:
    """postgresql://… → postgresql+psycopg://… (psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
