"""A source's run in a process that is killed (SIGKILL) mid-run: after its lease runs out, the next
run goes on from the last checkpoint, and in the end every Observation of the source is stored
once. And `stadsdata ingest --sources` runs due sources in a worker process and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from stadsdata.app import open_store
from stadsdata.cli import app as cli
from stadsdata.settings import Settings

LEASE_S = 5


def _runs(database: str) -> list[dict[str, object]]:
    store = open_store(Settings(database=database))
    try:
        with store.read_only() as tx:
            return tx.access.rows("source_runs", limit=100)
    finally:
        store.close()


def _observations(database: str) -> list[tuple[str, str]]:
    """(Datastream name, phenomenonTime) of every stored Observation."""
    from stadsdata.store.sqlite.backend import SqliteStore

    store = SqliteStore(database)
    store.open()
    try:
        with store.engine.connect() as conn:  # type: ignore[union-attr]
            rows = conn.exec_driver_sql(
                "SELECT d.name, o.phenomenon_time_start FROM observations o JOIN datastreams d ON d.id = o.datastream_id"
            ).fetchall()
        return [(r[0], str(r[1])) for r in rows]
    finally:
        store.close()


def test_a_killed_run_resumes_from_its_last_checkpoint_without_gaps_or_doubles(remote: str, tmp_path: Path) -> None:
    database = str(tmp_path / "killed.db")
    file = tmp_path / "remote.json"
    # pages of 2 at 4 requests a second: the 30 Observations take several seconds to copy
    file.write_text(f'{{"name": "remote", "kind": "sensorthings", "config": {{"url": "{remote}/v1.1", "page_size": 2, "rate_limit_per_s": 4}}}}')
    assert CliRunner().invoke(cli, ["sources", "add", str(file), "--database", database]).exit_code == 0
    env = {**os.environ, "STADSDATA_SOURCES_LEASE_S": str(LEASE_S), "STADSDATA_LOG_LEVEL": "warning"}
    process = subprocess.Popen([sys.executable, "-m", "stadsdata.cli", "sources", "run", "remote", "--database", database], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_observations(database)) < 6:
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    copied_before = len(_observations(database))
    assert 6 <= copied_before < 30, copied_before  # killed mid-run
    assert [r["status"] for r in _runs(database)] == ["running"]  # it never finished

    refused = CliRunner().invoke(cli, ["sources", "run", "remote", "--database", database], env={"STADSDATA_SOURCES_LEASE_S": str(LEASE_S)})
    assert refused.exit_code == 1 and "running in another process" in refused.output  # the lease still holds
    time.sleep(LEASE_S + 0.5)
    resumed = CliRunner().invoke(cli, ["sources", "run", "remote", "--database", database])
    assert resumed.exit_code == 0, resumed.output

    stored = _observations(database)
    assert len(stored) == 30 == len(set(stored))  # every one, once
    assert sorted({name for name, _ in stored}) == ["kit-0-pm25", "kit-1-pm25", "kit-2-pm25"]


def test_ingest_sources_runs_due_sources_in_a_worker(remote: str, tmp_path: Path) -> None:
    database = str(tmp_path / "worker.db")
    file = tmp_path / "remote.json"
    file.write_text(f'{{"name": "remote", "kind": "sensorthings", "config": {{"url": "{remote}/v1.1"}}}}')
    assert CliRunner().invoke(cli, ["sources", "add", str(file), "--database", database]).exit_code == 0
    worker = subprocess.Popen([sys.executable, "-m", "stadsdata.cli", "ingest", "--sources", "--database", database],
                              env={**os.environ, "STADSDATA_LOG_LEVEL": "warning"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(r["status"] == "succeeded" for r in _runs(database)):
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0].decode()
    assert worker.returncode == 0, output
    assert "running the sources of" in output
    assert len(_observations(database)) == 30
