"""`$count` modes: 'exact' always counts; 'estimate' counts exactly up to `count_limit` rows and
beyond that answers with PostgreSQL's planner estimate (never below the limit + 1). SQLite has
no estimate and always counts exactly."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import created_id, stream_body, thing_body

FILTERS = [
    "result gt 0",
    "phenomenonTime ge 2026-01-01T00:00:00Z and phenomenonTime lt 2026-02-01T00:00:00Z",
    "Datastream/Thing/name eq 'Kast' and result ge 1",
    "geo.intersects(FeatureOfInterest/feature, geography'POLYGON((6 52,7 52,7 53,6 53,6 52))')",
]


def _populate(client: TestClient, n: int) -> None:
    results = [(f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z", 1 + i) for i in range(n)]
    body = thing_body("Kast", 6.09, 52.51, [stream_body("pm10", "pm10", {"name": "µg/m³"}, results)])
    created_id(client.post("/v1.1/Things", json=body))


def test_counts_below_the_limit_are_exact(store: Store, tmp_path: Path) -> None:
    store.count_limit = 100
    with TestClient(create_app(Settings(database=str(tmp_path / "unused.db")), store=store)) as client:
        _populate(client, 40)
        for expr in FILTERS:
            body = client.get(f"/v1.1/Observations?$filter={expr}&$count=true&$top=1").json()
            assert body["@iot.count"] == 40, expr


def test_counts_beyond_the_limit_are_estimated_on_postgres_only(store: Store, tmp_path: Path) -> None:
    store.count_limit = 5
    with TestClient(create_app(Settings(database=str(tmp_path / "unused.db")), store=store)) as client:
        _populate(client, 40)
        for expr in FILTERS:
            response = client.get(f"/v1.1/Observations?$filter={expr}&$count=true&$top=1")
            assert response.status_code == 200, response.text
            count = response.json()["@iot.count"]
            if store.dialect == "postgresql":
                assert count >= 6, expr  # an estimate, at least the limit + 1
            else:
                assert count == 40, expr
        # Few matches stay exact also with a small limit.
        few = client.get("/v1.1/Observations?$filter=result le 3&$count=true").json()["@iot.count"]
        assert few == 3


def test_exact_mode_never_estimates(store: Store, tmp_path: Path) -> None:
    store.count_limit = None  # count_mode=exact
    with TestClient(create_app(Settings(database=str(tmp_path / "unused.db")), store=store)) as client:
        _populate(client, 40)
        assert client.get("/v1.1/Observations?$filter=result gt 0&$count=true").json()["@iot.count"] == 40


def test_settings_turn_into_the_store_limit(tmp_path: Path) -> None:
    from stadsdata.app import open_store

    estimate = open_store(Settings(database=str(tmp_path / "a.db"), count_mode="estimate", count_limit=7))
    exact = open_store(Settings(database=str(tmp_path / "b.db"), count_mode="exact"))
    try:
        assert (estimate.count_limit, exact.count_limit) == (7, None)
    finally:
        estimate.close()
        exact.close()
