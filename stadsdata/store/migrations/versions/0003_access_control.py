"""Access control: parties, users, API keys, datasets with an access level, grants, and the
dataset of each (Multi)Datastream.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = stadsdata.store.types.UtcTimestamp
_FALSE = sa.text("false")
_STREAMS = ("datastreams", "multi_datastreams")


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("parent_id", _ID, sa.ForeignKey("parties.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_parties_parent_id", "parties", ["parent_id"])
    op.create_table(
        "users",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("party_id", _ID, sa.ForeignKey("parties.id", ondelete="SET NULL"), nullable=True),
        sa.Column("is_admin", sa.Boolean(), server_default=_FALSE, nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default=_FALSE, nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_users_party_id", "users", ["party_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("party_id", _ID, sa.ForeignKey("parties.id", ondelete="CASCADE"), nullable=True),
        sa.Column("is_admin", sa.Boolean(), server_default=_FALSE, nullable=False),
        sa.Column("can_write", sa.Boolean(), server_default=_FALSE, nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("expires_at", _TIME(), nullable=True),
        sa.Column("revoked_at", _TIME(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_api_keys_party_id", "api_keys", ["party_id"])
    op.create_table(
        "datasets",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("access_level", sa.Text(), nullable=False),
        sa.Column("owner_party_id", _ID, sa.ForeignKey("parties.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_datasets_owner_party_id", "datasets", ["owner_party_id"])
    op.create_table(
        "dataset_grants",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("dataset_id", _ID, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("party_id", _ID, sa.ForeignKey("parties.id", ondelete="CASCADE"), nullable=False),
        sa.Column("valid_from", _TIME(), nullable=True),
        sa.Column("valid_until", _TIME(), nullable=True),
        sa.Column("revoked_at", _TIME(), nullable=True),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_dataset_grants_dataset_id", "dataset_grants", ["dataset_id"])
    op.create_index("ix_dataset_grants_party_id", "dataset_grants", ["party_id"])
    id_type = "INTEGER" if op.get_bind().dialect.name == "sqlite" else "BIGINT"
    for table in _STREAMS:
        # Plain ADD COLUMN on both backends (SQLite allows a REFERENCES clause with a NULL default).
        op.execute(f"ALTER TABLE {table} ADD COLUMN dataset_id {id_type} REFERENCES datasets (id) ON DELETE SET NULL")
        op.create_index(f"ix_{table}_dataset_id", table, ["dataset_id"])


def downgrade() -> None:
    for table in _STREAMS:
        op.drop_index(f"ix_{table}_dataset_id", table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("dataset_id")
    for table in ("dataset_grants", "datasets", "api_keys", "users", "parties"):
        op.drop_table(table)
