"""The hourly rollups keep the sum of squares of each hour's numeric results too, so that the standard
deviation of any range of whole hours (`analytics/aggregates/`) is read from the rollups, not from
the raw observations. Existing rollup rows are filled from the observations (finite numbers only, as
`store/sql/rollups.py` counts them).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 20:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_HOUR = {
    "sqlite": "(o.phenomenon_time_start / 3600000000) * 3600000000",
    "postgresql": "date_trunc('hour', o.phenomenon_time_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
}


def upgrade() -> None:
    with op.batch_alter_table("observation_rollups") as batch:
        batch.add_column(sa.Column("sum_squares", sa.Float(), nullable=False, server_default="0"))
    hour = _HOUR[op.get_bind().dialect.name]
    op.execute(
        "UPDATE observation_rollups SET sum_squares = COALESCE(("
        "SELECT sum(o.result_number * o.result_number) FROM observations o "
        "WHERE o.datastream_id = observation_rollups.datastream_id AND o.result_number IS NOT NULL "
        "AND o.result_number = o.result_number AND abs(o.result_number) < 1e308 "
        f"AND {hour} = observation_rollups.bucket_start), 0)"
    )


def downgrade() -> None:
    with op.batch_alter_table("observation_rollups") as batch:
        batch.drop_column("sum_squares")
