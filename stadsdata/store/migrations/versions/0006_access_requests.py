"""Access requests (a party asks for an Agreement on an Offer; the owner, or the Offer's
automatic rule, decides), Offers that accept automatically or are withdrawn, the personal
fields of a dataset that are pseudonymised at ingest, and the change counter of the access
records (servers reuse their access snapshot until it moves).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = stadsdata.store.types.UtcTimestamp


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("personal_fields", stadsdata.store.types.JsonText(), nullable=True))
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("auto_accept", sa.Boolean(), nullable=False, server_default=sa.text("false")))
        batch.add_column(sa.Column("withdrawn_at", _TIME(), nullable=True))
    op.create_table(
        "access_requests",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("offer_id", _ID, sa.ForeignKey("offers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("dataset_id", _ID, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("party_id", _ID, sa.ForeignKey("parties.id", ondelete="CASCADE"), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("decided_at", _TIME(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("agreement_id", _ID, sa.ForeignKey("agreements.id", ondelete="SET NULL"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_access_requests_dataset_id", "access_requests", ["dataset_id"])
    op.create_index("ix_access_requests_party_id", "access_requests", ["party_id"])
    op.create_index("ix_access_requests_offer_id", "access_requests", ["offer_id"])
    op.create_index("ix_audit_events_party_time", "audit_events", ["party_id", "time"])
    op.create_table(  # its one row is made by the first change (store/sql/access/)
        "access_changes",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("access_changes")
    op.drop_index("ix_audit_events_party_time", "audit_events")
    for column in ("offer_id", "party_id", "dataset_id"):
        op.drop_index(f"ix_access_requests_{column}", "access_requests")
    op.drop_table("access_requests")
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("withdrawn_at")
        batch.drop_column("auto_accept")
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("personal_fields")
