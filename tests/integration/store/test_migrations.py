"""Schema migrations (Alembic) on both backends: a new database is created at the newest
revision, an existing one keeps its data, and --no-migrate refuses an out-of-date schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store import migrations
from stadsdata.store.base import Store
from stadsdata.store.sql.store import SchemaOutOfDate
from stadsdata.store.sqlite.backend import SqliteStore


def test_store_is_at_the_newest_revision(store: Store) -> None:
    with store.engine.begin() as conn:  # type: ignore[attr-defined]
        assert migrations.current_revision(conn) == migrations.head_revision()


def test_upgrade_keeps_data_and_is_idempotent(store: Store, tmp_path: Path) -> None:
    app = create_app(Settings(database=str(tmp_path / "unused.db")), store=store)
    with TestClient(app) as client:
        body = {"name": "Lamp", "description": "street light", "properties": {"lux": 12}}
        assert client.post("/v1.1/Things", json=body).status_code == 201
        with store.engine.begin() as conn:  # type: ignore[attr-defined]
            assert migrations.upgrade(conn) == migrations.head_revision()
        things = client.get("/v1.1/Things").json()["value"]
    assert [(t["name"], t["properties"]) for t in things] == [("Lamp", {"lux": 12})]


def test_a_database_from_before_migrations_is_adopted(tmp_path: Path) -> None:
    """A SQLite file created with the baseline schema but no alembic_version is stamped, not
    re-created, and its rows survive."""
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        migrations.upgrade(conn, migrations.BASELINE)
        conn.execute(text("INSERT INTO things (name, description) VALUES ('old', 'kept')"))
        conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    again = SqliteStore(path)
    again.open()
    with again.engine.begin() as conn:  # type: ignore[union-attr]
        assert migrations.current_revision(conn) == migrations.head_revision()
        assert conn.execute(text("SELECT name FROM things")).scalars().all() == ["old"]
        indexes = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars().all()
    again.close()
    assert "ix_observations_datastream_id" in indexes  # revision 0002 ran on top of the adopted 0001


def test_no_migrate_refuses_an_empty_database(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "empty.db")
    with pytest.raises(SchemaOutOfDate, match="stadsdata db upgrade"):
        store.open(migrate=False)


def test_no_migrate_accepts_an_up_to_date_database(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "db.db").open()
    store = SqliteStore(tmp_path / "db.db")
    store.open(migrate=False)
    store.close()


def test_db_upgrade_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from stadsdata.cli import app

    path = tmp_path / "cli.db"
    result = CliRunner().invoke(app, ["db", "upgrade", "--database", str(path)])
    assert result.exit_code == 0, result.output
    assert f"-> {migrations.head_revision()}" in result.output
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert migrations.current_revision(conn) == migrations.head_revision()
    engine.dispose()


def test_revision_0014_fills_the_rollups_sums_of_squares_from_the_observations(store: Store, tmp_path: Path) -> None:
    """Down to 0013 (the column goes) and up again: the sums of squares of existing hours are
    computed from the observations, equal to what ingest kept (finite numbers only)."""
    from alembic import command

    app = create_app(Settings(database=str(tmp_path / "unused.db")), store=store)
    with TestClient(app) as client:
        thing = {"name": "Kast", "description": "d", "Locations": [{"name": "l", "description": "d", "encodingType": "application/geo+json",
                 "location": {"type": "Point", "coordinates": [5, 52]}}],
                 "Datastreams": [{"name": "pm10", "description": "d", "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                                  "unitOfMeasurement": {"name": "u", "symbol": "u", "definition": "d"},
                                  "Sensor": {"name": "s", "description": "d", "encodingType": "text/plain", "metadata": "m"},
                                  "ObservedProperty": {"name": "p", "definition": "d", "description": "d"}}]}  # fmt: skip
        assert client.post("/v1.1/Things", json=thing).status_code == 201
        rows = [["2026-03-01T10:05:00Z", 2.0], ["2026-03-01T10:35:00Z", -3.0], ["2026-03-01T11:00:00Z", 4.5], ["2026-03-01T11:30:00Z", "text"]]
        body = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
        assert client.post("/v1.1/CreateObservations", json=body).status_code == 201
        query = text("SELECT sum_squares FROM observation_rollups ORDER BY bucket_start")
        with store.engine.begin() as conn:  # type: ignore[attr-defined]
            kept = conn.execute(query).scalars().all()
            assert kept == [13.0, 20.25]  # 2² + 3², 4.5²
            command.downgrade(migrations._config(conn), "0013")
            assert "sum_squares" not in {c["name"] for c in inspect(conn).get_columns("observation_rollups")}
            assert migrations.upgrade(conn) == migrations.head_revision()
            assert conn.execute(query).scalars().all() == kept
