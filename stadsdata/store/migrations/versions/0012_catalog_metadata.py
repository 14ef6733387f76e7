"""The data catalog (`stadsdata/catalog/`): each dataset's DCAT-AP-NL metadata (titles and
descriptions in English, themes, keywords, contact point, licence, update frequency, conformsTo,
the GDPR art. 30 processing record …) as one JSON document, whether its owner keeps it out of the
catalog listing, and when its metadata last changed; and a party's URI (e.g. its TOOI identifier),
which the catalog publishes as the publisher's identity.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("metadata", stadsdata.store.types.JsonText(), nullable=True))
        batch.add_column(sa.Column("unlisted", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        batch.add_column(sa.Column("modified_at", stadsdata.store.types.UtcTimestamp(), nullable=True))
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("uri", sa.Text(), nullable=True))
        batch.add_column(sa.Column("contact_email", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("contact_email")
        batch.drop_column("uri")
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("modified_at")
        batch.drop_column("unlisted")
        batch.drop_column("metadata")
