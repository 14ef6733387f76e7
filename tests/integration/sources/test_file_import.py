"""`stadsdata import FILE --mapping M`: a dry run that stores nothing, an import with a progress
bar and a summary, the same file again (nothing twice), a bad mapping or file refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from stadsdata.cli import app as cli

RECORDED = Path(__file__).parents[3] / "stadsdata" / "sources" / "file" / "recorded"
MAPPING = yaml.safe_load((RECORDED / "grondwater.mapping.yaml").read_text())


def test_stadsdata_import_with_a_progress_bar_dry_run_and_no_doubles(tmp_path: Path) -> None:
    database = str(tmp_path / "import.db")
    runner = CliRunner()
    file, mapping = RECORDED / "grondwater.csv", RECORDED / "grondwater.mapping.yaml"

    dry = runner.invoke(cli, ["import", str(file), "--mapping", str(mapping), "--dry-run", "--database", database])
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.output)
    assert (report["records"], report["readings"], report["unmappable"], report["things"]) == (5, 3, 2, 2)
    assert report["first_problems"][0].startswith("grondwater.csv:5: datastreams.0.result")

    first = runner.invoke(cli, ["import", str(file), "--mapping", str(mapping), "--database", database])
    assert first.exit_code == 0, first.output
    assert "importing" in first.output
    assert "grondwater.csv: 5 rows read, 3 readings stored, 0 already there, 2 quarantined; 8 entities made (source import-grondwater" in first.output
    second = runner.invoke(cli, ["import", str(file), "--mapping", str(mapping), "--database", database, "--name", "import-grondwater"])
    assert "0 rows read, 0 readings stored" in second.output
    shown = json.loads(runner.invoke(cli, ["sources", "show", "import-grondwater", "--database", database]).output)
    assert shown["state"] == "paused" and shown["kind"] == "file"


def test_a_bad_mapping_or_file_is_refused_naming_the_member(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**MAPPING, "crs": "EPSG:999999"}))
    refused = runner.invoke(cli, ["import", str(RECORDED / "grondwater.csv"), "--mapping", str(bad), "--database", str(tmp_path / "x.db")])
    assert refused.exit_code == 1 and "config.crs" in refused.output
    bad.write_text(yaml.safe_dump({**MAPPING, "datastreams": [{"name": "x", "result": "stand_cm_nap"}]}))
    refused = runner.invoke(cli, ["import", str(RECORDED / "grondwater.csv"), "--mapping", str(bad), "--database", str(tmp_path / "x.db")])
    assert refused.exit_code == 1 and "config.datastreams.0" in refused.output
    unknown = tmp_path / "register.dbf"
    unknown.write_text("?")
    refused = runner.invoke(cli, ["import", str(unknown), "--mapping", str(RECORDED / "grondwater.mapping.yaml"), "--database", str(tmp_path / "x.db")])
    assert refused.exit_code == 1 and "cannot tell the format from '.dbf'" in refused.output


def test_a_file_uploaded_for_a_source(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from fastapi.testclient import TestClient

    from stadsdata.access.api_keys import generate_api_key
    from stadsdata.app import create_app
    from stadsdata.settings import Settings
    from stadsdata.sources.scheduler import Scheduler

    settings = Settings(database=str(tmp_path / "up.db"), access_mode="enforced", files_dir=str(tmp_path / "files"))
    with TestClient(create_app(settings)) as client:
        key = generate_api_key()
        with client.app.state.store.write() as tx:  # type: ignore[attr-defined]
            tx.access.add_api_key(key.prefix, key.key_hash, "admin", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
        admin = {"X-API-Key": key.secret_key}
        body = (RECORDED / "grondwater.csv").read_bytes()
        assert client.post("/api/v1/source-files?name=grondwater.csv", content=body).status_code == 401
        refused = client.post("/api/v1/source-files?name=register.exe", content=body, headers=admin)
        assert refused.status_code == 400 and refused.json()["field"] == "name"
        kept = client.post("/api/v1/source-files?name=../../grondwater.csv", content=body, headers=admin)
        assert kept.status_code == 201, kept.text
        path = Path(kept.json()["path"])
        assert path.parent == (tmp_path / "files" / "uploads").resolve() and path.read_bytes() == body  # not outside the folder
        made = client.post("/api/v1/sources", json={"name": "peilbuizen", "kind": "file", "config": {**MAPPING, "path": str(path)}}, headers=admin)
        assert made.status_code == 201, made.text
        run_id = Scheduler(client.app.state.platform.source_parts).run_now("peilbuizen")  # type: ignore[attr-defined]
        run = next(r for r in client.get("/api/v1/sources/peilbuizen/runs", headers=admin).json()["_embedded"]["runs"] if r["id"] == run_id)
        assert (run["itemsStored"], run["itemsQuarantined"]) == (3, 2)
