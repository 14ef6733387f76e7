"""Baseline schema: the SensorThings tables, per-stream summary columns and spatial helpers
(SQLite: R*Tree tables kept by triggers; PostgreSQL: PostGIS and `stadsdata_geometry(jsonb)`).

Revision ID: 0001
Revises:
Create Date: 2026-11-28 14:09:44.704642
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import stadsdata.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# Frozen copies of the spatial helpers as they were at this revision.
_POSTGRES_GEOMETRY_FUNCTION = """
CREATE OR REPLACE FUNCTION stadsdata_geometry(doc jsonb) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ST_SetSRID(CASE doc->>'type'
    WHEN 'Feature' THEN ST_GeomFromGeoJSON((doc->'geometry')::text)
    WHEN 'FeatureCollection' THEN (
      SELECT ST_Collect(ST_GeomFromGeoJSON((f->'geometry')::text))
      FROM jsonb_array_elements(doc->'features') AS f
      WHERE jsonb_typeof(f->'geometry') = 'object')
    ELSE ST_GeomFromGeoJSON(doc::text) END, 4326)
$$
"""


def _sqlite_rtree(table: str) -> list[str]:
    rtree = f"{table}_rtree"
    cols = "NEW.id, NEW.bbox_minx, NEW.bbox_maxx, NEW.bbox_miny, NEW.bbox_maxy"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {rtree} USING rtree(id, minx, maxx, miny, maxy)",
        f"CREATE TRIGGER IF NOT EXISTS {table}_rtree_insert AFTER INSERT ON {table} WHEN NEW.bbox_minx IS NOT NULL "
        f"BEGIN INSERT INTO {rtree} VALUES ({cols}); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_rtree_update AFTER UPDATE OF bbox_minx, bbox_miny, bbox_maxx, bbox_maxy "
        f"ON {table} BEGIN DELETE FROM {rtree} WHERE id = OLD.id; "
        f"INSERT INTO {rtree} SELECT {cols} WHERE NEW.bbox_minx IS NOT NULL; END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_rtree_delete AFTER DELETE ON {table} "
        f"BEGIN DELETE FROM {rtree} WHERE id = OLD.id; END",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute(_POSTGRES_GEOMETRY_FUNCTION)
    op.create_table(
        "features_of_interest",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.Text(), nullable=False),
        sa.Column("feature", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("properties", stadsdata.store.types.JsonText(), nullable=True),
        sa.Column("bbox_minx", sa.Float(), nullable=True),
        sa.Column("bbox_miny", sa.Float(), nullable=True),
        sa.Column("bbox_maxx", sa.Float(), nullable=True),
        sa.Column("bbox_maxy", sa.Float(), nullable=True),
        sa.Column("generated_from_location_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("features_of_interest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_features_of_interest_generated_from_location_id"),
            ["generated_from_location_id"],
            unique=False,
        )

    op.create_table(
        "locations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.Text(), nullable=False),
        sa.Column("location", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("properties", stadsdata.store.types.JsonText(), nullable=True),
        sa.Column("bbox_minx", sa.Float(), nullable=True),
        sa.Column("bbox_miny", sa.Float(), nullable=True),
        sa.Column("bbox_maxx", sa.Float(), nullable=True),
        sa.Column("bbox_maxy", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "observed_properties",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("properties", stadsdata.store.types.JsonText(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sensors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.Text(), nullable=False),
        sa.Column("metadata", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("properties", stadsdata.store.types.JsonText(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "things",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("properties", stadsdata.store.types.JsonText(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "datastreams",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("unit_of_measurement", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("observation_type", sa.Text(), nullable=False),
        sa.Column("properties", stadsdata.store.types.JsonText(), nullable=True),
        sa.Column("thing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sensor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("observed_property_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("phenomenon_time_start", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("phenomenon_time_end", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("result_time_start", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("result_time_end", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("observation_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("latest_observation_id", sa.BigInteger(), nullable=True),
        sa.Column("latest_phenomenon_time", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("area_minx", sa.Float(), nullable=True),
        sa.Column("area_miny", sa.Float(), nullable=True),
        sa.Column("area_maxx", sa.Float(), nullable=True),
        sa.Column("area_maxy", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["observed_property_id"], ["observed_properties.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sensor_id"], ["sensors.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["thing_id"], ["things.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("datastreams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_datastreams_observed_property_id"), ["observed_property_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_datastreams_sensor_id"), ["sensor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_datastreams_thing_id"), ["thing_id"], unique=False)

    op.create_table(
        "historical_locations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("time", stadsdata.store.types.UtcTimestamp(), nullable=False),
        sa.Column("thing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["thing_id"], ["things.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("historical_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_historical_locations_thing_id"), ["thing_id"], unique=False)

    op.create_table(
        "multi_datastreams",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("unit_of_measurements", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("observation_type", sa.Text(), nullable=False),
        sa.Column("multi_observation_data_types", stadsdata.store.types.JsonText(), nullable=False),
        sa.Column("properties", stadsdata.store.types.JsonText(), nullable=True),
        sa.Column("thing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sensor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("phenomenon_time_start", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("phenomenon_time_end", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("result_time_start", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("result_time_end", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("observation_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("latest_observation_id", sa.BigInteger(), nullable=True),
        sa.Column("latest_phenomenon_time", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("area_minx", sa.Float(), nullable=True),
        sa.Column("area_miny", sa.Float(), nullable=True),
        sa.Column("area_maxx", sa.Float(), nullable=True),
        sa.Column("area_maxy", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["sensor_id"], ["sensors.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["thing_id"], ["things.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("multi_datastreams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_multi_datastreams_sensor_id"), ["sensor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_multi_datastreams_thing_id"), ["thing_id"], unique=False)

    op.create_table(
        "things_locations",
        sa.Column("thing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("location_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["thing_id"], ["things.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("thing_id", "location_id"),
    )
    with op.batch_alter_table("things_locations", schema=None) as batch_op:
        batch_op.create_index("ix_things_locations_location", ["location_id"], unique=False)

    op.create_table(
        "historical_locations_locations",
        sa.Column("historical_location_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("location_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["historical_location_id"], ["historical_locations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("historical_location_id", "location_id"),
    )
    with op.batch_alter_table("historical_locations_locations", schema=None) as batch_op:
        batch_op.create_index("ix_hist_locations_location", ["location_id"], unique=False)

    op.create_table(
        "multi_datastreams_observed_properties",
        sa.Column("multi_datastream_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("observed_property_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["multi_datastream_id"], ["multi_datastreams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["observed_property_id"], ["observed_properties.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("multi_datastream_id", "rank"),
    )
    with op.batch_alter_table("multi_datastreams_observed_properties", schema=None) as batch_op:
        batch_op.create_index("ix_mds_op_observed_property", ["observed_property_id"], unique=False)

    op.create_table(
        "observations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("phenomenon_time_start", stadsdata.store.types.UtcTimestamp(), nullable=False),
        sa.Column("phenomenon_time_end", stadsdata.store.types.UtcTimestamp(), nullable=False),
        sa.Column("result_time", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("result_type", sa.SmallInteger(), nullable=False),
        sa.Column("result_number", sa.Float(), nullable=True),
        sa.Column("result_string", sa.Text(), nullable=True),
        sa.Column("result_json", stadsdata.store.types.JsonText(), nullable=True),
        sa.Column("result_quality", stadsdata.store.types.JsonText(), nullable=True),
        sa.Column("valid_time_start", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("valid_time_end", stadsdata.store.types.UtcTimestamp(), nullable=True),
        sa.Column("parameters", stadsdata.store.types.JsonText(), nullable=True),
        sa.Column("datastream_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("multi_datastream_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("feature_of_interest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["datastream_id"], ["datastreams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["feature_of_interest_id"], ["features_of_interest.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["multi_datastream_id"], ["multi_datastreams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_observations_datastream_time", ["datastream_id", "phenomenon_time_start"], unique=False
        )
        batch_op.create_index("ix_observations_feature", ["feature_of_interest_id"], unique=False)
        batch_op.create_index(
            "ix_observations_multi_datastream_time",
            ["multi_datastream_id", "phenomenon_time_start"],
            unique=False,
            sqlite_where=sa.text("multi_datastream_id IS NOT NULL"),
            postgresql_where=sa.text("multi_datastream_id IS NOT NULL"),
        )

    if dialect == "sqlite":
        for table in ("locations", "features_of_interest"):
            for ddl in _sqlite_rtree(table):
                op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in ("locations", "features_of_interest"):
            op.execute(f"DROP TABLE IF EXISTS {table}_rtree")
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_observations_multi_datastream_time",
            sqlite_where=sa.text("multi_datastream_id IS NOT NULL"),
            postgresql_where=sa.text("multi_datastream_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_observations_feature")
        batch_op.drop_index("ix_observations_datastream_time")

    op.drop_table("observations")
    with op.batch_alter_table("multi_datastreams_observed_properties", schema=None) as batch_op:
        batch_op.drop_index("ix_mds_op_observed_property")

    op.drop_table("multi_datastreams_observed_properties")
    with op.batch_alter_table("historical_locations_locations", schema=None) as batch_op:
        batch_op.drop_index("ix_hist_locations_location")

    op.drop_table("historical_locations_locations")
    with op.batch_alter_table("things_locations", schema=None) as batch_op:
        batch_op.drop_index("ix_things_locations_location")

    op.drop_table("things_locations")
    with op.batch_alter_table("multi_datastreams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_multi_datastreams_thing_id"))
        batch_op.drop_index(batch_op.f("ix_multi_datastreams_sensor_id"))

    op.drop_table("multi_datastreams")
    with op.batch_alter_table("historical_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_historical_locations_thing_id"))

    op.drop_table("historical_locations")
    with op.batch_alter_table("datastreams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_datastreams_thing_id"))
        batch_op.drop_index(batch_op.f("ix_datastreams_sensor_id"))
        batch_op.drop_index(batch_op.f("ix_datastreams_observed_property_id"))

    op.drop_table("datastreams")
    op.drop_table("things")
    op.drop_table("sensors")
    op.drop_table("observed_properties")
    op.drop_table("locations")
    with op.batch_alter_table("features_of_interest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_features_of_interest_generated_from_location_id"))

    op.drop_table("features_of_interest")
