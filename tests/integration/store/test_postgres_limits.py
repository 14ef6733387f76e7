"""PostgreSQL operating limits: a runaway query answers 503 problem+json (it does not hang the
server), and a database that cannot be reached gives a clear error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app, open_store
from stadsdata.settings import Settings
from tests.conftest import _empty_postgres_store
from tests.integration.sta.conftest import created_id, stream_body, thing_body


@pytest.fixture
def slow_client(postgres_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client on PostgreSQL whose statements are cancelled after 1 ms, with enough rows that
    a filter across relations cannot finish in time."""
    _empty_postgres_store(postgres_url).close()
    with TestClient(create_app(Settings(database=postgres_url))) as setup:
        thing = created_id(setup.post("/v1.1/Things", json=thing_body("t", 5.1, 52.1, [stream_body("s", "p", {}, [])])))
        start = datetime(2024, 1, 1, tzinfo=UTC)
        rows = [[(start + timedelta(seconds=i)).isoformat(), float(i)] for i in range(50_000)]
        response = setup.post(
            "/v1.1/CreateObservations",
            json=[{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": rows}],
        )
        assert response.status_code == 201 and thing == 1
    settings = Settings(database=postgres_url, statement_timeout_ms=1)
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_runaway_query_answers_503(slow_client: TestClient) -> None:
    query = "$filter=substringof('9', concat(Datastream/Thing/name, Datastream/name)) or result ge 0&$count=true"
    response = slow_client.get(f"/v1.1/Observations?{query}")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    assert "too long" in response.json()["detail"]


def test_an_unreachable_database_is_a_clear_error() -> None:
    settings = Settings(database="postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(Exception, match="(?i)connect|refused"):
        open_store(settings)


@pytest.mark.parametrize(
    "error", [psycopg.errors.DeadlockDetected("deadlock detected"), psycopg.errors.SerializationFailure("could not serialize")]
)
def test_a_transaction_the_database_aborted_is_retried_then_503(
    error: Exception, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deadlock or serialization failure (e.g. two writers creating the same time partition
    while holding each other's rows) rolled the whole transaction back: the request runs again,
    and only when it keeps colliding it answers 503 with Retry-After (never 500)."""
    from sqlalchemy.exc import OperationalError

    from stadsdata.api.sta.service import StaService
    from stadsdata.store.errors import Collided, translated

    collided = translated(OperationalError("INSERT …", {}, error))  # what the store raises for it
    assert isinstance(collided, Collided)

    real_dispatch = StaService._dispatch
    calls: list[str] = []

    def collide_first(self: StaService, req: Any) -> Any:
        calls.append(req.path)
        if len(calls) == 1:
            raise collided
        return real_dispatch(self, req)

    def collide_always(self: StaService, req: Any) -> Any:
        calls.append(req.path)
        raise collided

    with TestClient(create_app(Settings(database=str(tmp_path / "db.db")))) as client:
        monkeypatch.setattr(StaService, "_dispatch", collide_first)
        assert client.post("/v1.1/Things", json={"name": "a", "description": "b"}).status_code == 201
        assert len(calls) == 2
        assert client.get("/v1.1/Things?$count=true").json()["@iot.count"] == 1

        calls.clear()
        monkeypatch.setattr(StaService, "_dispatch", collide_always)
        response = client.post("/v1.1/Things", json={"name": "a", "description": "b"})
        assert response.status_code == 503 and len(calls) == 3
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["retry-after"] == "1"
        assert "concurrent" in response.json()["detail"]
