"""NGSI-LD subscriptions (`stadsdata/api/ngsild/subscriptions/`, ETSI GS CIM 009 clause 5.2.12):
each subscription as its owner sent it (the JSON `body`), who owns it (subject, party, admin),
whether it is active and until when, and what its notifier did (times sent, last notification,
last success and failure, the status of the last one).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = stadsdata.store.types.UtcTimestamp
_JSON = stadsdata.store.types.JsonText


def upgrade() -> None:
    op.create_table(
        "ngsild_subscriptions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("owner_subject", sa.Text(), nullable=True),
        sa.Column("owner_party_id", _ID, sa.ForeignKey("parties.id", ondelete="CASCADE"), nullable=True),
        sa.Column("owner_admin", sa.Boolean(), nullable=False),
        sa.Column("body", _JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("expires_at", _TIME(), nullable=True),
        sa.Column("times_sent", sa.BigInteger(), nullable=False),
        sa.Column("times_failed", sa.BigInteger(), nullable=False),
        sa.Column("last_notification", _TIME(), nullable=True),
        sa.Column("last_success", _TIME(), nullable=True),
        sa.Column("last_failure", _TIME(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("modified_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_ngsild_subscriptions_subscription_id", "ngsild_subscriptions", ["subscription_id"], unique=True)
    op.create_index("ix_ngsild_subscriptions_owner_party_id", "ngsild_subscriptions", ["owner_party_id"])


def downgrade() -> None:
    op.drop_table("ngsild_subscriptions")
