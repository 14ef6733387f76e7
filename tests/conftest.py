"""Shared fixtures. The API suite runs against every backend in BACKENDS (the PostgreSQL issue
adds 'postgresql'); `client` talks to the ASGI app in-process, `live_server` to a real
`stadsdata serve` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from stadsdata.store.sqlite.backend import SqliteStore

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
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


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """A real `stadsdata serve` on a free port; yields its base URL (no trailing slash)."""
    port = free_port()
    env = {**os.environ, "STADSDATA_LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [sys.executable, "-m", "stadsdata.cli", "serve", "--database", str(tmp_path / "live.db"), "--port", str(port)],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("stadsdata serve did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
