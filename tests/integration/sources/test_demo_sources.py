"""The demo city's sources: every source kind that offers a demo upstream gets it served on
loopback and a source that reads it; each such source runs, stores readings in the demo city's
datasets, and a second start points the same sources at the new ports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from stadsdata.app import open_store, platform_for, policy_for
from stadsdata.demo.upstreams import start_demo_sources
from stadsdata.settings import Settings
from stadsdata.sources.scheduler import Scheduler


def test_each_demo_upstream_is_read_by_its_source(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "demo.db"), access_mode="enforced", mqtt_embedded=False, sources_run=False)
    store = open_store(settings)
    platform = platform_for(settings, store, policy_for(settings))
    with store.write() as tx:
        for name in ("luchtkwaliteit", "parkeren", "openbare-ruimte"):
            tx.access.add_dataset(name, name, "public", None, "", datetime.now(UTC))
    offering = sorted(k.name for k in platform.source_kinds.values() if k.demo is not None)
    assert {"sensorthings", "web-api", "file", "luchtmeetnet", "cbs"} <= set(offering)
    upstreams = start_demo_sources(store, platform.source_kinds)
    try:
        with store.read_only() as tx:
            sources = tx.access.rows("sources", limit=100)
        assert sorted(s["kind"] for s in sources) == offering
        scheduler = Scheduler(platform.source_parts)
        for source in sources:
            run_id = scheduler.run_now(source["name"])
            with store.read_only() as tx:
                run = tx.access.rows("source_runs", {"id": run_id}, limit=1)[0]
            assert run["status"] == "succeeded", (source["name"], run["error"])
            assert run["items_stored"] > 0, source["name"]
            assert source["dataset_id"] is not None or source["kind"] == "cbs"  # in the demo city's dataset (CBS: context, no streams)
        first_urls = {s["name"]: s["config"] for s in sources}
    finally:
        for upstream in upstreams:
            upstream.stop()
    again = start_demo_sources(store, platform.source_kinds)  # a restart: new ports, the same sources
    try:
        with store.read_only() as tx:
            sources = tx.access.rows("sources", limit=100)
        assert sorted(s["name"] for s in sources) == sorted(first_urls)
        assert all(s["config"] != first_urls[s["name"]] for s in sources)
    finally:
        for upstream in again:
            upstream.stop()
        store.close()
