"""schemathesis against the management API's own OpenAPI document (`/api/v1/openapi.json`), on
both backends: every operation, with generated path, query and body values (valid and not), as
an admin — no answer may be a server error.

schemathesis loads the schema when this module is imported, so the two apps are built here: a
SQLite file in a temporary folder and a scratch PostgreSQL database beside the test database
(`stadsdata_fuzz`, made anew on every run)."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from stadsdata.store.sqlite.backend import SqliteStore
from tests.conftest import POSTGRES_URL, WORKER_SUFFIX, _postgres_problem
from tests.fuzz.figures import EXAMPLES, record


def _kept_open(store: Store) -> Store:
    """schemathesis runs the app's lifespan around every call; the store outlives them."""
    store.close = lambda: None  # type: ignore[method-assign]
    return store


def _api(store: Store) -> tuple[Any, dict[str, str]]:
    key = generate_api_key()
    with store.write() as tx:
        tx.access.add_api_key(key.prefix, key.key_hash, "fuzz", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
        tx.access.add_party("fuzz-eigenaar", "company", None, datetime.now(UTC))
    folder = Path(tempfile.mkdtemp(prefix="stadsdata-fuzz-"))
    settings_ = Settings(database=str(folder / "x.db"), mqtt_embedded=False, rate_limit_anonymous="none", rate_limit_authenticated="none")
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(settings_, store=store)), {"X-API-Key": key.secret_key}


def _sqlite() -> tuple[Any, dict[str, str]]:
    store = SqliteStore(Path(tempfile.mkdtemp(prefix="stadsdata-fuzz-")) / "fuzz.db")
    store.open()
    return _api(_kept_open(store))


def _postgres() -> tuple[Any, dict[str, str]] | None:
    if _postgres_problem() is not None:
        return None
    import psycopg

    from stadsdata.store.postgres.backend import PostgresStore

    base, _, _ = POSTGRES_URL.rpartition("/")
    name = "stadsdata_fuzz" + WORKER_SUFFIX  # a database per pytest-xdist worker
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    with psycopg.connect(f"{base}/{name}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    store = PostgresStore(f"{base}/{name}")
    store.open()
    return _api(_kept_open(store))


SQLITE_SCHEMA, SQLITE_ADMIN = _sqlite()
_PG = _postgres()
PG_SCHEMA, PG_ADMIN = _PG if _PG is not None else (SQLITE_SCHEMA, SQLITE_ADMIN)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def _check(case: Any, admin: dict[str, str], backend: str) -> None:
    response = case.call(headers=admin)
    record(f"management API (schemathesis, {backend})", response.status_code)
    case.validate_response(response, checks=[not_a_server_error], headers=admin)


@SQLITE_SCHEMA.parametrize()
@FUZZ
def test_no_server_error_on_sqlite(case: Any) -> None:
    _check(case, SQLITE_ADMIN, "sqlite")


@PG_SCHEMA.parametrize()
@FUZZ
def test_no_server_error_on_postgresql(case: Any) -> None:
    if _PG is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable (in CI a missing PostgreSQL is a failure)")
        pytest.skip("PostgreSQL is not reachable")
    _check(case, PG_ADMIN, "postgresql")
