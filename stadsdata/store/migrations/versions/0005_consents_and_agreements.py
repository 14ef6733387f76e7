"""Consents (a resident lets a party read the resident's dataset, for a purpose, until withdrawn
or expired) and ODRL policies: Offers on datasets and the Agreements made from them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = stadsdata.store.types.UtcTimestamp


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("dataset_id", _ID, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("party_id", _ID, sa.ForeignKey("parties.id", ondelete="CASCADE"), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("given_at", _TIME(), nullable=False),
        sa.Column("expires_at", _TIME(), nullable=True),
        sa.Column("withdrawn_at", _TIME(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_consents_dataset_id", "consents", ["dataset_id"])
    op.create_index("ix_consents_party_id", "consents", ["party_id"])
    op.create_table(
        "offers",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("dataset_id", _ID, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.Column("policy", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_offers_dataset_id", "offers", ["dataset_id"])
    op.create_table(
        "agreements",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("dataset_id", _ID, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("party_id", _ID, sa.ForeignKey("parties.id", ondelete="CASCADE"), nullable=False),
        sa.Column("offer_id", _ID, sa.ForeignKey("offers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.Column("policy", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("ended_at", _TIME(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_agreements_dataset_id", "agreements", ["dataset_id"])
    op.create_index("ix_agreements_party_id", "agreements", ["party_id"])
    op.create_index("ix_audit_events_grant", "audit_events", ["grant_id"])  # usage per agreement


def downgrade() -> None:
    op.drop_index("ix_audit_events_grant", "audit_events")
    for table in ("agreements", "offers"):
        op.drop_index(f"ix_{table}_dataset_id", table)
    op.drop_index("ix_agreements_party_id", "agreements")
    op.drop_table("agreements")
    op.drop_table("offers")
    op.drop_index("ix_consents_party_id", "consents")
    op.drop_index("ix_consents_dataset_id", "consents")
    op.drop_table("consents")
