"""An index on the id an entity was created with over NGSI-LD (`things.properties` → `ngsild.id`), so
that creating an entity (is the id taken?) and reading one by id look it up instead of reading every
Thing's properties. An expression index; `Transaction.things_by_property_text` writes the same
expression literally so that the planner uses it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 23:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_EXPRESSION = {
    "sqlite": "json_extract(properties, '$.ngsild.id')",
    "postgresql": "(properties #>> '{ngsild,id}')",
}


def upgrade() -> None:
    expression = _EXPRESSION[op.get_bind().dialect.name]
    op.execute(f"CREATE INDEX IF NOT EXISTS ix_things_ngsild_id ON things ({expression})")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_things_ngsild_id")
