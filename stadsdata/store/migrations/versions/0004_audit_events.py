"""Audit log: one row per read of a restricted or non-public dataset's records.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("time", stadsdata.store.types.UtcTimestamp(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("party_id", _ID, nullable=True),
        sa.Column("dataset_id", _ID, nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("grant_id", _ID, nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_events_dataset_time", "audit_events", ["dataset_id", "time"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_dataset_time", "audit_events")
    op.drop_table("audit_events")
