"""The scheduler of sources on both backends: a source runs in one process at a time (its lease),
a lease left by a process that died expires, due sources run by themselves in `serve`, and the
CLI adds, lists, runs and pauses sources. The source is a real second `stadsdata serve`."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app, platform_for, policy_for
from stadsdata.cli import app as cli
from stadsdata.settings import Settings
from stadsdata.sources.scheduler import Scheduler
from stadsdata.store.base import Store
from stadsdata.store.postgres.backend import PostgresStore
from stadsdata.store.sqlite.backend import SqliteStore

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


@pytest.fixture
def admin(store: Store) -> dict[str, str]:
    """Headers with an administrator's API key (the sources API is for admins, also in open mode)."""
    key = generate_api_key()
    with store.write() as tx:
        tx.access.add_api_key(key.prefix, key.key_hash, "admin", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
    return {"X-API-Key": key.secret_key}


def _source(remote: str, name: str = "remote") -> dict[str, Any]:
    return {"name": name, "kind": "sensorthings", "config": {"url": f"{remote}/v1.1", "page_size": 4}, "schedule": {"every": 3600}}


def _second_store(store: Store, tmp_path: Path) -> Store:
    """Another store object on the same database, as a second server process has."""
    other: Store = PostgresStore(store.url) if isinstance(store, PostgresStore) else SqliteStore(store.path)  # type: ignore[attr-defined]
    other.open()
    return other


def _runs(store: Store) -> list[dict[str, Any]]:
    with store.read_only() as tx:
        return tx.access.rows("source_runs", limit=100)


def _parts(store: Store, tmp_path: Path) -> Any:
    settings = Settings(database=str(tmp_path / "x.db"))
    return platform_for(settings, store, policy_for(settings)).source_parts


def test_two_servers_on_one_database_do_not_run_a_source_twice(
    client: TestClient, store: Store, admin: dict[str, str], remote: str, tmp_path: Path
) -> None:
    made = client.post("/api/v1/sources", json=_source(remote), headers=admin)
    assert made.status_code == 201, made.text
    other = _second_store(store, tmp_path)
    try:
        first, second = Scheduler(_parts(store, tmp_path), owner="server-a"), Scheduler(_parts(other, tmp_path), owner="server-b")
        start = threading.Barrier(2)
        ran: dict[str, list[int]] = {}

        def run(scheduler: Scheduler) -> None:
            start.wait()
            ran[scheduler.owner] = scheduler.run_due()

        threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        other.close()
    assert sorted(len(r) for r in ran.values()) == [0, 1]  # one server ran it, the other found it leased
    runs = _runs(store)
    assert len(runs) == 1 and runs[0]["status"] == "succeeded"
    assert client.get("/v1.1/Observations?$count=true&$top=0").json()["@iot.count"] == 30


def test_a_lease_held_blocks_and_an_expired_one_is_taken(
    client: TestClient, store: Store, admin: dict[str, str], remote: str, tmp_path: Path
) -> None:
    client.post("/api/v1/sources", json=_source(remote), headers=admin).raise_for_status()
    now = datetime.now(UTC)
    holder, taker = Scheduler(_parts(store, tmp_path), owner="died", lease_s=60), Scheduler(_parts(store, tmp_path), owner="alive")
    [source] = holder.due(now)
    assert holder.claim(source, now) is not None
    assert taker.due(now) == []
    assert taker.claim(source, now) is None  # held
    later = now + timedelta(seconds=61)  # the holder died: its lease ran out
    assert [s["name"] for s in taker.due(later)] == ["remote"]
    assert taker.claim(source, later) is not None


def test_serve_runs_due_sources_by_itself(store: Store, admin: dict[str, str], remote: str, tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "stadsdata.db"), sources_run=True)
    with TestClient(create_app(settings, store=store)) as client:
        client.app.state.scheduler.tick_s = 0.2  # type: ignore[attr-defined]
        client.post("/api/v1/sources", json=_source(remote), headers=admin).raise_for_status()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = client.get("/api/v1/sources/remote", headers=admin).json()["status"]
            if status["lastSuccessAt"]:
                break
            time.sleep(0.2)
        assert status["lastRun"]["status"] == "succeeded", status
        assert status["lastRun"]["itemsStored"] == 30
        assert status["nextRunAt"] > status["lastSuccessAt"]  # an hour on
        client.post("/api/v1/sources/remote/run", headers=admin).raise_for_status()  # run now
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            runs = client.get("/api/v1/sources/remote/runs", headers=admin).json()["_embedded"]["runs"]
            if len(runs) == 2 and runs[0]["status"] != "running":
                break
            time.sleep(0.2)
        runs = client.get("/api/v1/sources/remote/runs", headers=admin).json()["_embedded"]["runs"]
        assert [r["status"] for r in runs] == ["succeeded", "succeeded"]
        assert runs[0]["itemsStored"] == 0


def test_the_cli_adds_lists_runs_and_pauses_sources(remote: str, tmp_path: Path) -> None:
    database = str(tmp_path / "cli.db")
    file = tmp_path / "remote.yaml"
    file.write_text(f"name: remote\nkind: sensorthings\nconfig:\n  url: {remote}/v1.1\n  things_filter: name eq 'kit-1'\nschedule:\n  cron: '*/10 * * * *'\n")
    runner = CliRunner()

    added = runner.invoke(cli, ["sources", "add", str(file), "--database", database])
    assert added.exit_code == 0, added.output
    assert "connection test: 1 Things match" in added.output
    ran = runner.invoke(cli, ["sources", "run", "remote", "--database", database])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output[ran.output.index("{") :])["itemsStored"] == 10
    listed = runner.invoke(cli, ["sources", "list", "--database", database])
    assert listed.output.startswith("remote  sensorthings  active  last success 20")
    assert runner.invoke(cli, ["sources", "pause", "remote", "--database", database]).output == "source remote is paused\n"
    shown = json.loads(runner.invoke(cli, ["sources", "show", "remote", "--database", database]).output)
    assert (shown["state"], shown["schedule"]) == ("paused", {"cron": "*/10 * * * *"})


def test_a_bad_source_file_is_refused_with_the_field(remote: str, tmp_path: Path) -> None:
    file = tmp_path / "bad.json"
    file.write_text(json.dumps({"name": "remote", "kind": "sensorthings", "config": {"url": "ftp://nowhere"}}))
    refused = CliRunner().invoke(cli, ["sources", "add", str(file), "--database", str(tmp_path / "cli.db")])
    assert refused.exit_code == 1
    assert "config.url" in refused.output and "does not match" in refused.output
