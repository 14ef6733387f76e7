"""Ingestion: the quarantine (what could not be stored, with its raw payload), the
idempotency keys of stored source messages, the LoRaWAN device mappings and the HTTP push
sources.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 03:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = stadsdata.store.types.UtcTimestamp


def upgrade() -> None:
    op.create_table(
        "quarantine",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("encoding", sa.Text(), nullable=False, server_default="utf-8"),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("received_at", _TIME(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False, server_default="held"),
        sa.Column("decided_at", _TIME(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_quarantine_status", "quarantine", ["status", "id"])
    op.create_table(
        "ingest_keys",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("stored_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "lorawan_devices",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("network", sa.Text(), nullable=False),
        sa.Column("device", sa.Text(), nullable=False),
        sa.Column("thing_id", _ID, sa.ForeignKey("things.id", ondelete="SET NULL"), nullable=True),
        sa.Column("fields", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ux_lorawan_devices_device", "lorawan_devices", ["network", "device"], unique=True)
    op.create_table(
        "push_sources",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mapping", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("push_sources")
    op.drop_index("ux_lorawan_devices_device", "lorawan_devices")
    op.drop_table("lorawan_devices")
    op.drop_table("ingest_keys")
    op.drop_index("ix_quarantine_status", "quarantine")
    op.drop_table("quarantine")
