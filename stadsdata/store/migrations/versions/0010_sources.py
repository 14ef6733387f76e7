"""Sources the platform fetches from by itself (connectors): the configured sources with their
schedule, incremental state and lease, their runs, and the entities each one mirrors.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = stadsdata.store.types.UtcTimestamp
_JSON = stadsdata.store.types.JsonText


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False, server_default=""),
        sa.Column("config", _JSON(), nullable=False),
        sa.Column("schedule", _JSON(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False, server_default="active"),
        sa.Column("dataset_id", _ID, sa.ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True),
        sa.Column("cursor", _JSON(), nullable=True),
        sa.Column("resync_from", _TIME(), nullable=True),
        sa.Column("run_requested", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("next_run_at", _TIME(), nullable=False),
        sa.Column("lease_owner", sa.Text(), nullable=True),
        sa.Column("lease_until", _TIME(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_run_id", _ID, nullable=True),
        sa.Column("last_success_at", _TIME(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("newest_item_at", _TIME(), nullable=True),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sources_due", "sources", ["state", "next_run_at"])
    op.create_table(
        "source_runs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source_id", _ID, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("started_at", _TIME(), nullable=False),
        sa.Column("finished_at", _TIME(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("items_read", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("items_stored", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("items_duplicate", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("items_quarantined", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("entities_created", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("requests", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_source_runs_source", "source_runs", ["source_id", "id"])
    op.create_table(
        "source_entities",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source_id", _ID, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("remote_key", sa.Text(), nullable=False),
        sa.Column("local_id", _ID, nullable=False),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("run_id", _ID, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ux_source_entities_key", "source_entities", ["source_id", "entity", "remote_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_source_entities_key", "source_entities")
    op.drop_table("source_entities")
    op.drop_index("ix_source_runs_source", "source_runs")
    op.drop_table("source_runs")
    op.drop_index("ix_sources_due", "sources")
    op.drop_table("sources")
