"""Shared fixtures. The API suite runs against every backend in BACKENDS (the PostgreSQL issue
adds 'postgresql'); `client` talks to the ASGI app in-process, `live_server` to a real
`stadsdata serve` process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from stadsdata.store.sqlite.backend import SqliteStore
from tests.fuzz.figures import SENT, SERVER_ERRORS

# The protocol suite (SensorThings, store, clients) runs with access control open, so that it
# tests the protocol; tests/integration/access runs with `access_mode="enforced"` explicitly.
os.environ.setdefault("STADSDATA_ACCESS_MODE", "open")
# Apps under test start no MQTT broker unless a test asks for one (tests/integration/ingest).
os.environ.setdefault("STADSDATA_MQTT_EMBEDDED", "false")
# … and run no source scheduler (tests of sources run them when they ask: tests/integration/sources).
os.environ.setdefault("STADSDATA_SOURCES_RUN", "false")

BACKENDS = ["sqlite", "postgresql"]
# The suite runs in parallel processes (pytest-xdist, `-n auto`): each worker ("gw0", "gw1", …) has
# databases of its own, named after it, so that no worker truncates or drops another's tables.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_SUFFIX = f"_{WORKER}" if WORKER else ""
SUITE_POSTGRES_URL = os.environ.get("STADSDATA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/stadsdata_test")
POSTGRES_URL = SUITE_POSTGRES_URL + WORKER_SUFFIX


def _postgres_problem() -> str | None:
    """Why the PostgreSQL suite cannot run here, or None when it can (a worker's own database is
    made here, once per worker process, beside the suite's database)."""
    try:
        import psycopg

        if WORKER and not _made_worker_database:
            _make_worker_database(psycopg)
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except Exception as exc:  # noqa: BLE001 - any failure means: no usable PostgreSQL
        return f"PostgreSQL with PostGIS at {POSTGRES_URL} is not usable: {str(exc).strip().splitlines()[0]}"
    return None


_made_worker_database: list[bool] = []


def _make_worker_database(psycopg: Any) -> None:
    """This worker's database, made afresh (dropped first) with the suite database's collation; commits
    need not wait for the disk (a throwaway database, as CI sets for the suite's own)."""
    name = POSTGRES_URL.rpartition("/")[2]
    with psycopg.connect(SUITE_POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
        conn.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
    _made_worker_database.append(True)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _postgres_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (in CI a missing PostgreSQL is a failure)")
        pytest.skip(f"PostgreSQL suite skipped: {problem}")
    return POSTGRES_URL


def _empty_postgres_store(url: str) -> Store:
    from stadsdata.store.postgres.backend import PostgresStore
    from stadsdata.store.schema import metadata

    backend = PostgresStore(url)
    backend.open()
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with backend.engine.begin() as conn:  # type: ignore[union-attr]
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    return backend


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema revision, made once: each test's store starts as a copy
    (running the migrations for every test would cost a quarter of a second each)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    template = SqliteStore(path)
    template.open()
    template.close()
    return path


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend: Store
    if request.param == "postgresql":
        backend = _empty_postgres_store(request.getfixturevalue("postgres_url"))
    else:
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), tmp_path / "stadsdata.db")
        backend = SqliteStore(tmp_path / "stadsdata.db")
        backend.open()
    yield backend
    backend.close()


@pytest.fixture
def client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    # notify_private_networks: the tests' webhook and notification receivers listen on 127.0.0.1
    # (the default refuses internal addresses: tests/integration/ngsild/test_subscription_targets.py)
    app = create_app(Settings(database=str(tmp_path / "stadsdata.db"), notify_private_networks=True), store=store)
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=BACKENDS)
def live_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A real `stadsdata serve` on a free port, on each backend; yields its base URL."""
    database = str(tmp_path / "live.db")
    if request.param == "postgresql":
        database = request.getfixturevalue("postgres_url")
        _empty_postgres_store(database).close()
    with running_server(database) as base:
        yield base


@contextmanager
def running_server(
    database: str, *extra_args: str, env: dict[str, str] | None = None, log: Path | None = None, start_timeout: float = 30,
    stop_timeout: float = 10, must_stop: bool = False,
) -> Iterator[str]:  # fmt: skip
    """`stadsdata serve --database <database>` in a process of its own on a free port; yields its base URL.
    `env` adds environment variables, `log` takes its output (and runs it in that folder);
    with `must_stop` a server that does not end within `stop_timeout` of SIGTERM fails the test."""
    port = free_port()
    output = log.open("w") if log is not None else None
    process = subprocess.Popen(
        [sys.executable, "-m", "stadsdata.cli", "serve", "--database", database, "--port", str(port), *extra_args],
        env={**os.environ, "STADSDATA_LOG_LEVEL": "warning", **(env or {})},
        stdout=output, stderr=subprocess.STDOUT if output else None, cwd=log.parent if log is not None else None,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("stadsdata serve did not start" + (f":\n{log.read_text()}" if log is not None else ""))
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            if must_stop:
                raise
        finally:
            if output is not None:
                output.close()


# -- the fuzzing figures (tests/fuzz/figures.py), summed over the pytest-xdist workers -----------------


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand its counts to the controlling process
        workeroutput["fuzz_sent"] = dict(SENT)
        workeroutput["fuzz_server_errors"] = dict(SERVER_ERRORS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:  # the controlling process, as a worker ends
    output = getattr(node, "workeroutput", {})
    SENT.update(output.get("fuzz_sent", {}))
    SERVER_ERRORS.update(output.get("fuzz_server_errors", {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SENT:
        terminalreporter.section("fuzzing figures")
        for face in sorted(SENT):
            terminalreporter.write_line(f"{face}: {SENT[face]} generated requests, {SERVER_ERRORS[face]} server errors")
