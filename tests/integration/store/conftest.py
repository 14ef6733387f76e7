"""Fixtures of the store tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import WORKER_SUFFIX


@pytest.fixture
def scratch_postgres(postgres_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the test module's own (`stadsdata_scratch_<module>[_<worker>]`) on the suite's
    PostgreSQL server, dropped afterwards (skips/fails like postgres_url)."""
    import psycopg

    base, _, _ = postgres_url.rpartition("/")
    name = "stadsdata_scratch_" + request.module.__name__.rpartition(".")[2].removeprefix("test_") + WORKER_SUFFIX
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
    except psycopg.Error as exc:
        problem = f"cannot create the scratch database {name}: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    yield f"{base}/{name}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
