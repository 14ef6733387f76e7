"""Web UI: hourly rollups of each Datastream's numeric results (filled from the observations
already stored), dashboards as JSON documents, and browser sessions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = stadsdata.store.types.UtcTimestamp

# The hour of a phenomenon time: integer microseconds on SQLite, timestamptz on PostgreSQL.
_BACKFILL = {
    "sqlite": "(phenomenon_time_start / 3600000000) * 3600000000",
    "postgresql": "date_trunc('hour', phenomenon_time_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
}


def upgrade() -> None:
    op.create_table(
        "observation_rollups",
        sa.Column("datastream_id", _ID, sa.ForeignKey("datastreams.id", ondelete="CASCADE"), nullable=False),
        sa.Column("bucket_start", _TIME(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("sum", sa.Float(), nullable=False),
        sa.Column("min", sa.Float(), nullable=False),
        sa.Column("max", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("datastream_id", "bucket_start"),
    )
    hour = _BACKFILL[op.get_bind().dialect.name]
    # NaN and infinite results are left out, as `store/sql/rollups.py` does.
    op.execute(
        f"INSERT INTO observation_rollups (datastream_id, bucket_start, count, sum, min, max) "
        f"SELECT datastream_id, {hour}, count(*), sum(result_number), min(result_number), max(result_number) "
        f"FROM observations WHERE datastream_id IS NOT NULL AND result_number IS NOT NULL "
        f"AND result_number = result_number AND abs(result_number) < 1e308 "
        f"GROUP BY datastream_id, {hour}"
    )
    op.create_table(
        "dashboards",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("document", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("user_id", _ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("expires_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_user_id", "web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("dashboards")
    op.drop_table("observation_rollups")
