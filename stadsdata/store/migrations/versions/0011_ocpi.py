"""The OCPI 2.2.1 receiver (`api/ocpi/`): the charge point operators registered with the platform
(their credentials tokens, hashed) and what each has pushed (its Locations, Sessions, CDRs and
Tariffs as last received, and the local entities they map to).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = stadsdata.store.types.UtcTimestamp
_JSON = stadsdata.store.types.JsonText


def upgrade() -> None:
    op.create_table(
        "ocpi_parties",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country_code", sa.Text(), nullable=False),
        sa.Column("party_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default="pending"),
        sa.Column("dataset_id", _ID, sa.ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True),
        sa.Column("token_a_hash", sa.Text(), nullable=True),
        sa.Column("token_c_hash", sa.Text(), nullable=True),
        sa.Column("token_b", sa.Text(), nullable=True),
        sa.Column("versions_url", sa.Text(), nullable=True),
        sa.Column("version", sa.Text(), nullable=True),
        sa.Column("roles", _JSON(), nullable=True),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.Column("registered_at", _TIME(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sqlite_autoincrement=True,
    )
    op.create_index("ux_ocpi_parties_party", "ocpi_parties", ["country_code", "party_id"], unique=True)
    op.create_index("ux_ocpi_parties_token_a", "ocpi_parties", ["token_a_hash"], unique=True)
    op.create_index("ux_ocpi_parties_token_c", "ocpi_parties", ["token_c_hash"], unique=True)
    op.create_table(
        "ocpi_objects",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("registration_id", _ID, sa.ForeignKey("ocpi_parties.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("object_key", sa.Text(), nullable=False),
        sa.Column("local_id", _ID, nullable=True),
        sa.Column("document", _JSON(), nullable=True),
        sa.Column("last_updated", _TIME(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False, server_default="active"),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("updated_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ux_ocpi_objects_key", "ocpi_objects", ["registration_id", "kind", "object_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_ocpi_objects_key", "ocpi_objects")
    op.drop_table("ocpi_objects")
    op.drop_index("ux_ocpi_parties_token_c", "ocpi_parties")
    op.drop_index("ux_ocpi_parties_token_a", "ocpi_parties")
    op.drop_index("ux_ocpi_parties_party", "ocpi_parties")
    op.drop_table("ocpi_parties")
