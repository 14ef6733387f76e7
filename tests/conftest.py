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

import httpx
import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from stadsdata.store.sqlite.backend import SqliteStore

# The protocol suite (SensorThings, store, clients) runs with access control open, so that it
# tests the protocol; tests/integration/access runs with `access_mode="enforced"` explicitly.
os.environ.setdefault("STADSDATA_ACCESS_MODE", "open")
# Apps under test start no MQTT broker unless a test asks for one (tests/integration/ingest).
os.environ.setdefault("STADSDATA_MQTT_EMBEDDED", "false")
# … and run no source scheduler (tests of sources run them when they ask: tests/integration/sources).
os.environ.setdefault("STADSDATA_SOURCES_RUN", "false")

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_URL = os.environ.get("STADSDATA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/stadsdata_test")


def _postgres_problem() -> str | None:
    """Why the PostgreSQL suite cannot run here, or None when it can."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except Exception as exc:  # noqa: BLE001 - any failure means: no usable PostgreSQL
        return f"PostgreSQL with PostGIS at {POSTGRES_URL} is not usable: {str(exc).strip().splitlines()[0]}"
    return None


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
    app = create_app(Settings(database=str(tmp_path / "stadsdata.db")), store=store)
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
