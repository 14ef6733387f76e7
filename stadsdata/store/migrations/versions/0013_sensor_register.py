"""The sensor register (`stadsdata/catalog/register/`): each device in public space as its owner
registers it — owner party and contact, type, location or area (GeoJSON and its bounding box),
themes, purpose, legal ground, privacy statement, personal data yes/no, public/open data, active
from/until, the link to its SensorThings Thing — with the municipality's review; and the sensors
in each device, what they observe and the Datastreams they produce.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = stadsdata.store.types.UtcTimestamp
_JSON = stadsdata.store.types.JsonText


def upgrade() -> None:
    op.create_table(
        "register_devices",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("owner_party_id", _ID, sa.ForeignKey("parties.id", ondelete="CASCADE"), nullable=False),
        sa.Column("contact_name", sa.Text(), nullable=True),
        sa.Column("contact_email", sa.Text(), nullable=True),
        sa.Column("contact_phone", sa.Text(), nullable=True),
        sa.Column("geometry", _JSON(), nullable=False),
        sa.Column("bbox_minx", sa.Float(), nullable=True),
        sa.Column("bbox_miny", sa.Float(), nullable=True),
        sa.Column("bbox_maxx", sa.Float(), nullable=True),
        sa.Column("bbox_maxy", sa.Float(), nullable=True),
        sa.Column("location_description", sa.Text(), nullable=False, server_default=""),
        sa.Column("mobile", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("themes", _JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_ground", sa.Text(), nullable=True),
        sa.Column("legal_ground_url", sa.Text(), nullable=True),
        sa.Column("privacy_statement_url", sa.Text(), nullable=True),
        sa.Column("personal_data", sa.Boolean(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("is_open_data", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("active_from", sa.Text(), nullable=True),
        sa.Column("active_until", sa.Text(), nullable=True),
        sa.Column("thing_id", _ID, sa.ForeignKey("things.id", ondelete="SET NULL"), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("reviewed_at", _TIME(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_register_devices_owner_party_id", "register_devices", ["owner_party_id"])
    op.create_table(
        "register_sensors",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("device_id", _ID, sa.ForeignKey("register_devices.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("manufacturer", sa.Text(), nullable=True),
        sa.Column("supplier", sa.Text(), nullable=True),
        sa.Column("documentation_url", sa.Text(), nullable=True),
        sa.Column("observes", _JSON(), nullable=False),
        sa.Column("datastream_ids", _JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_register_sensors_device_id", "register_sensors", ["device_id"])


def downgrade() -> None:
    op.drop_index("ix_register_sensors_device_id", "register_sensors")
    op.drop_table("register_sensors")
    op.drop_index("ix_register_devices_owner_party_id", "register_devices")
    op.drop_table("register_devices")
