"""Alert rules and their alerts (`stadsdata/analytics/alerts/`): each rule's condition, owner,
the streams it applies to and its evaluation state (survives a restart); each firing as an alert
with its life cycle (open -> acknowledged -> resolved, by whom and when).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = stadsdata.store.types.UtcTimestamp
_JSON = stadsdata.store.types.JsonText


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("owner_party_id", _ID, sa.ForeignKey("parties.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("datastream_id", _ID, nullable=True),
        sa.Column("observed_property_id", _ID, nullable=True),
        sa.Column("dataset_id", _ID, nullable=True),
        sa.Column("params", _JSON(), nullable=False),
        sa.Column("state", _JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_alert_rules_owner_party_id", "alert_rules", ["owner_party_id"])
    op.create_table(
        "alerts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("rule_id", _ID, sa.ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False),
        sa.Column("datastream_id", _ID, nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("phenomenon_time", _TIME(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("opened_at", _TIME(), nullable=False),
        sa.Column("acknowledged_by", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", _TIME(), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("resolved_at", _TIME(), nullable=True),
        sa.Column("delivery", _JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_alerts_rule_id", "alerts", ["rule_id"])
    op.create_index("ix_alerts_datastream_id", "alerts", ["datastream_id"])


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("alert_rules")
