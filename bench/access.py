#!/usr/bin/env python
"""What access control costs (not a pytest test).

    python bench/access.py [--streams 1000] [--per-stream 100] [--runs 7] [--postgres ADMIN_URL]

One SQLite store (or PostgreSQL database) with S datastreams of N observations each, served in-process through
`StaService.handle` (no HTTP) three ways, in the same run:

  open        `OpenAccess`: no access control at all (the baseline);
  public      `DatasetAccess` (default level public), every stream in a public dataset, an
              authenticated caller: the policy finds nothing hidden and adds no SQL (only its
              snapshot queries);
  restricted  `DatasetAccess` (default level non-public), every stream in a restricted dataset
              the caller reads through a grant: every query carries the dataset filter, and
              every read is audited.

Measured per mode (median of --runs after a warm-up): the latest observation of every
datastream (`Datastreams?$expand=Observations($top=1;$orderby=phenomenonTime desc)`), a one-day
range of one datastream, a page of 100 Observations with `$count`, and ingest of 60 dataArray
documents of 1 000 observations (median document) (`CreateObservations` by a caller that may write there).
The target of the access issue: restricted within 20 % of open. Writes JSON to
bench/results/access-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import BASE_TIME, BATCH, create_streams, data_array_body, observation_rows, open_store  # noqa: E402

from stadsdata.access.datasets import DatasetAccess  # noqa: E402
from stadsdata.access.policy import AccessPolicy, Caller, OpenAccess  # noqa: E402
from stadsdata.api.sta.requests import StaRequest  # noqa: E402
from stadsdata.api.sta.service import StaService  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGET = 1.2
INGEST_DOCUMENTS = 60


def open_backend(mode: str, directory: Path, postgres: str | None, scratch: list[str]) -> Any:
    """A SQLite file in `directory`, or a new scratch database on the PostgreSQL server of
    `postgres` (an admin URL; the database is dropped at the end)."""
    if postgres is None:
        return open_store(directory / f"{mode}.db")
    import psycopg

    from stadsdata.store.postgres.backend import PostgresStore

    name = f"stadsdata_bench_access_{os.getpid()}_{mode}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    scratch.append(name)
    store = PostgresStore(postgres.rsplit("/", 1)[0] + "/" + name)
    store.open()
    return store


def drop_scratch(postgres: str | None, scratch: list[str]) -> None:
    if postgres is None:
        return
    import psycopg

    with psycopg.connect(postgres, autocommit=True) as conn:
        for name in scratch:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build(store: Any, streams: int, per_stream: int, level: str | None) -> tuple[Any, list[int], Caller]:
    ids, feature = create_streams(store, streams, prefix="s")
    rows = [(BASE_TIME + timedelta(hours=k), float(k % 50)) for k in range(per_stream)]
    for stream in ids:
        with store.write() as tx:
            tx.insert_observations(observation_rows(stream, feature, rows))
    caller = Caller(subject="key:bench", party_id=None, can_write=True)
    if level is not None:
        now = datetime.now(UTC)
        with store.write() as tx:
            owner = tx.access.add_party("owner", "company", None, now)
            reader = tx.access.add_party("reader", "company", None, now)
            dataset = tx.access.add_dataset("d", "d", level, owner, "", now)
            tx.access.assign_streams(dataset, ids, [])
            tx.access.add_grant(dataset, reader, None, None, now)
        caller = Caller(subject="key:bench", party_id=reader, can_write=True)
    return store, ids, caller


def timed(service: StaService, caller: Caller, method: str, path: str, query: str = "", body: bytes = b"") -> float:
    start = time.perf_counter()
    response = service.handle(
        StaRequest(method, path, query_string=query, body=body, content_type="application/json", caller=caller)
    )
    assert response.status in (200, 201), response.body
    return time.perf_counter() - start


MODES = ("open", "public", "restricted")


def setup(mode: str, streams: int, per_stream: int, store: Any) -> dict[str, Any]:
    level = {"open": None, "public": "public", "restricted": "restricted"}[mode]
    store, ids, caller = build(store, streams, per_stream, level)
    policy: AccessPolicy = OpenAccess() if mode == "open" else DatasetAccess("public" if mode == "public" else "non-public")
    writer = caller
    if mode != "open":  # the writer's party owns the dataset
        with store.write() as tx:
            owner = tx.access.party_id("owner")
        writer = Caller(subject="key:writer", party_id=owner, can_write=True)
    return {"store": store, "ids": ids, "reader": caller, "writer": writer, "service": StaService(store, policy, max_top=streams)}


def measure(setups: dict[str, dict[str, Any]], streams: int, runs: int) -> dict[str, dict[str, float]]:
    """Every query `runs` times (after a warm-up), the modes taking turns, so that drift of the
    machine affects all three alike."""
    ids = setups["open"]["ids"]
    ds = ids[len(ids) // 2]
    z = "%Y-%m-%dT%H:%M:%SZ"
    day = f"phenomenonTime ge {BASE_TIME.strftime(z)} and phenomenonTime lt {(BASE_TIME + timedelta(days=1)).strftime(z)}"
    queries = {
        "latest": ("Datastreams", f"$top={streams}&$expand=Observations($top=1;$orderby=phenomenonTime desc)"),
        "day_range": (f"Datastreams({ds})/Observations", f"$filter={day}"),
        "page_count": ("Observations", "$top=100&$count=true"),
    }
    out: dict[str, dict[str, float]] = {mode: {} for mode in setups}
    for key, (path, query) in queries.items():
        times: dict[str, list[float]] = {mode: [] for mode in setups}
        for run in range(runs + 1):
            for mode, s in setups.items():
                elapsed = timed(s["service"], s["reader"], "GET", path, query)
                if run:
                    times[mode].append(elapsed)
        for mode in setups:
            out[mode][key] = statistics.median(times[mode]) * 1000
    later = BASE_TIME + timedelta(days=400)
    spent: dict[str, list[float]] = {mode: [] for mode in setups}
    for i in range(INGEST_DOCUMENTS):
        rows = [(later + timedelta(seconds=i * BATCH + k), 1.0) for k in range(BATCH)]
        for mode, s in setups.items():
            body = data_array_body(s["ids"][i % len(s["ids"])], rows)
            spent[mode].append(timed(s["service"], s["writer"], "POST", "CreateObservations", body=body))
    for mode in setups:  # the median document: one slow commit (a checkpoint) does not decide it
        out[mode]["ingest_obs_per_s"] = BATCH / statistics.median(spent[mode])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--per-stream", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="run on PostgreSQL: scratch databases on this server "
                        "(e.g. postgresql://postgres@127.0.0.1:5432/postgres), dropped at the end")
    args = parser.parse_args(argv)
    scratch: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            setups = {
                mode: setup(mode, args.streams, args.per_stream, open_backend(mode, Path(tmp), args.postgres, scratch))
                for mode in MODES
            }
            results = measure(setups, args.streams, args.runs)
            for s in setups.values():
                s["store"].close()
        finally:
            drop_scratch(args.postgres, scratch)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"access control cost: {args.streams} datastreams × {args.per_stream} observations, {backend}, in-process, median of {args.runs}")
    print(f"{'measure':<34}{'open':>10}{'public':>10}{'restricted':>12}{'restr./open':>13}")
    labels = {"latest": "latest of every datastream (ms)", "day_range": "one-day range of one stream (ms)",
              "page_count": "100 Observations + $count (ms)", "ingest_obs_per_s": "CreateObservations (obs/s)"}  # fmt: skip
    worst = 0.0
    for key, label in labels.items():
        o, p, r = (results[m][key] for m in ("open", "public", "restricted"))
        ratio = (o / r) if key == "ingest_obs_per_s" else (r / o)  # > 1: slower than open
        worst = max(worst, ratio)
        print(f"{label:<34}{o:>10.1f}{p:>10.1f}{r:>12.1f}{ratio:>12.2f}×")
    print(f"target restricted within {TARGET:.1f}× of open (slowdown): {'met' if worst <= TARGET else 'NOT met'} (worst {worst:.2f}×)")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    document = {"parameters": vars(args), "python": platform.python_version(), "results": results, "worst_ratio": worst}
    (RESULTS_DIR / f"access-{stamp}.json").write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
