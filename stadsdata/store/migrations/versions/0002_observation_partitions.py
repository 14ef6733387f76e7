"""Observations at city scale: indexes on (stream, id) for the default order of a stream's
observations, and on PostgreSQL the observations table partitioned by month of phenomenon time
and GiST indexes on the bounding boxes of Locations and FeaturesOfInterest.

On PostgreSQL the existing table is renamed, a partitioned table with the same columns takes its
place (primary key (id, phenomenon_time_start), as partitioning requires; the id sequence is
kept), a partition is created for every month that has observations plus the two catch-all
partitions, and the rows are copied over in this migration's transaction.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_MULTI = "multi_datastream_id IS NOT NULL"

# Frozen copies of the partition layout as it is at this revision (see store/postgres/partitions.py).
_FIRST_YEAR, _END_YEAR = 1900, 2200
_INDEXES = (
    ("ix_observations_datastream_time", "(datastream_id, phenomenon_time_start)", ""),
    ("ix_observations_datastream_id", "(datastream_id, id)", ""),
    ("ix_observations_multi_datastream_time", "(multi_datastream_id, phenomenon_time_start)", _MULTI),
    ("ix_observations_multi_datastream_id", "(multi_datastream_id, id)", _MULTI),
    ("ix_observations_feature", "(feature_of_interest_id)", ""),
)
_FOREIGN_KEYS = (
    ("datastream_id", "datastreams"),
    ("multi_datastream_id", "multi_datastreams"),
    ("feature_of_interest_id", "features_of_interest"),
)


def _month_partition(year: int, month: int) -> str:
    upper = f"{year + 1:04d}-01-01" if month == 12 else f"{year:04d}-{month + 1:02d}-01"
    return (
        f"CREATE TABLE observations_p{year:04d}_{month:02d} PARTITION OF observations "
        f"FOR VALUES FROM ('{year:04d}-{month:02d}-01 00:00:00+00') TO ('{upper} 00:00:00+00')"
    )


_BOX_TABLES = ("locations", "features_of_interest")
_BOX = "ST_MakeEnvelope(bbox_minx, bbox_miny, bbox_maxx, bbox_maxy, 4326)"  # as PostgresStore.bbox_prefilter


def _partition_postgres() -> None:
    bind = op.get_bind()
    for table in _BOX_TABLES:
        op.execute(f"CREATE INDEX ix_{table}_bbox ON {table} USING gist ({_BOX})")
    for name, _, _ in _INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("ALTER TABLE observations RENAME TO observations_unpartitioned")
    op.execute("ALTER TABLE observations_unpartitioned RENAME CONSTRAINT observations_pkey TO observations_unpartitioned_pkey")
    op.execute(
        "CREATE TABLE observations (LIKE observations_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        "INCLUDING STORAGE) PARTITION BY RANGE (phenomenon_time_start)"
    )
    op.execute("ALTER SEQUENCE observations_id_seq OWNED BY observations.id")
    op.execute("ALTER TABLE observations ADD CONSTRAINT observations_pkey PRIMARY KEY (id, phenomenon_time_start)")
    for column, target in _FOREIGN_KEYS:
        op.execute(
            f"ALTER TABLE observations ADD CONSTRAINT observations_{column}_fkey FOREIGN KEY ({column}) "
            f"REFERENCES {target} (id) ON DELETE CASCADE"
        )
    for name, columns, where in _INDEXES:
        op.execute(f"CREATE INDEX {name} ON observations {columns}" + (f" WHERE {where}" if where else ""))
    op.execute(
        f"CREATE TABLE observations_before_{_FIRST_YEAR} PARTITION OF observations "
        f"FOR VALUES FROM (MINVALUE) TO ('{_FIRST_YEAR}-01-01 00:00:00+00')"
    )
    op.execute(
        f"CREATE TABLE observations_from_{_END_YEAR} PARTITION OF observations "
        f"FOR VALUES FROM ('{_END_YEAR}-01-01 00:00:00+00') TO (MAXVALUE)"
    )
    months = bind.exec_driver_sql(
        "SELECT DISTINCT extract(year FROM t)::int, extract(month FROM t)::int FROM "
        "(SELECT phenomenon_time_start AT TIME ZONE 'UTC' AS t FROM observations_unpartitioned) AS s "
        f"WHERE t >= '{_FIRST_YEAR}-01-01' AND t < '{_END_YEAR}-01-01'"
    ).all()
    for year, month in sorted(months):
        op.execute(_month_partition(year, month))
    op.execute("INSERT INTO observations SELECT * FROM observations_unpartitioned")
    op.execute("DROP TABLE observations_unpartitioned")
    op.execute("ANALYZE observations")


def _unpartition_postgres() -> None:
    for table in _BOX_TABLES:
        op.execute(f"DROP INDEX ix_{table}_bbox")
    op.execute("ALTER TABLE observations RENAME TO observations_partitioned")
    op.execute("ALTER TABLE observations_partitioned RENAME CONSTRAINT observations_pkey TO observations_partitioned_pkey")
    for name, _, _ in _INDEXES:
        op.execute(f"ALTER INDEX IF EXISTS {name} RENAME TO {name}_partitioned")
    op.execute("CREATE TABLE observations (LIKE observations_partitioned INCLUDING DEFAULTS INCLUDING STORAGE)")
    op.execute("ALTER SEQUENCE observations_id_seq OWNED BY observations.id")
    op.execute("ALTER TABLE observations ADD CONSTRAINT observations_pkey PRIMARY KEY (id)")
    for column, target in _FOREIGN_KEYS:
        op.execute(
            f"ALTER TABLE observations ADD CONSTRAINT observations_{column}_fkey FOREIGN KEY ({column}) "
            f"REFERENCES {target} (id) ON DELETE CASCADE"
        )
    op.execute("INSERT INTO observations SELECT * FROM observations_partitioned")
    op.execute("DROP TABLE observations_partitioned")
    for name, columns, where in _INDEXES:
        if name.endswith("_id"):
            continue  # added by this revision
        op.execute(f"CREATE INDEX {name} ON observations {columns}" + (f" WHERE {where}" if where else ""))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _partition_postgres()
        return
    op.create_index("ix_observations_datastream_id", "observations", ["datastream_id", "id"])
    op.create_index(
        "ix_observations_multi_datastream_id", "observations", ["multi_datastream_id", "id"], sqlite_where=sa.text(_MULTI)
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _unpartition_postgres()
        return
    op.drop_index("ix_observations_multi_datastream_id", "observations")
    op.drop_index("ix_observations_datastream_id", "observations")
