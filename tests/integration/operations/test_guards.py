"""The guards every face shares (security headers, CORS allowlist, rate limits, body size, load
shedding) and the operators' endpoints (/healthz, /readyz, /metrics), through the real app."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.access.policy import Caller
from stadsdata.api.middleware.admission import Admission
from stadsdata.api.sta.mqtt.creates import MqttCreates
from stadsdata.app import create_app
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_problem, stream_body, thing_body


def app_client(store: Store, tmp_path: Path, **settings: Any) -> TestClient:
    if getattr(store, "engine", None) is None:  # the previous app closed it on shutdown
        store.open()
    return TestClient(create_app(Settings(database=str(tmp_path / "x.db"), mqtt_embedded=False, **settings), store=store))


@pytest.fixture
def admin_key(store: Store) -> dict[str, str]:
    key = generate_api_key()
    with store.write() as tx:
        tx.access.add_api_key(key.prefix, key.key_hash, "beheer", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
    return {"X-API-Key": key.secret_key}


@pytest.fixture
def client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with app_client(store, tmp_path) as client:
        yield client


@pytest.mark.parametrize("path", ["/v1.1/Things", "/v1.1/Things(999)", "/api/v1/datasets", "/", "/static/app/app.css", "/healthz", "/nowhere"])
def test_security_headers_on_every_face(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_answers_to_credentials_are_not_cached(client: TestClient, admin_key: dict[str, str]) -> None:
    assert "no-store" not in client.get("/v1.1/Things").headers.get("Cache-Control", "")
    for path in ("/v1.1/Things", "/api/v1/me", "/"):
        assert client.get(path, headers=admin_key).headers["Cache-Control"] == "no-store", path
    assert client.get("/v1.1/Things", headers={"Cookie": "stadsdata_session=whatever"}).headers["Cache-Control"] == "no-store"


def test_cors_only_for_allowed_origins(store: Store, tmp_path: Path) -> None:
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "X-API-Key"}
    with app_client(store, tmp_path) as closed:  # default: no origin allowed
        answer = closed.options("/v1.1/Things", headers={"Origin": "https://kaart.example.nl", **preflight})
        assert "access-control-allow-origin" not in answer.headers
    with app_client(store, tmp_path, cors_allow_origins="https://kaart.example.nl, https://data.example.nl") as shared:
        allowed = shared.options("/v1.1/Things", headers={"Origin": "https://kaart.example.nl", **preflight})
        assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "https://kaart.example.nl"
        assert "access-control-allow-credentials" not in allowed.headers  # never our session cookie
        other = shared.options("/v1.1/Things", headers={"Origin": "https://evil.example.com", **preflight})
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
        simple = shared.get("/v1.1/Things", headers={"Origin": "https://data.example.nl"})
        assert simple.headers["access-control-allow-origin"] == "https://data.example.nl"


def test_rate_limits_per_address_and_per_credential(store: Store, tmp_path: Path, admin_key: dict[str, str]) -> None:
    with app_client(store, tmp_path, rate_limit_anonymous="5/minute", rate_limit_authenticated="8/minute") as client:
        assert [client.get("/v1.1/Things").status_code for _ in range(5)] == [200] * 5
        refused = client.get("/v1.1/Things")
        assert_problem(refused, 429)
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert client.get("/healthz").status_code == 200  # probes are never limited
        # With credentials: the credential's own budget (not the address's anonymous one) ...
        assert [client.get("/v1.1/Things", headers=admin_key).status_code for _ in range(8)] == [200] * 8
        assert client.get("/v1.1/Things", headers=admin_key).status_code == 429
        # ... and made-up keys from the same address share that address's budget with credentials.
        assert client.get("/v1.1/Things", headers={"X-API-Key": "sdk_made_up"}).status_code == 429
    with app_client(store, tmp_path, rate_limit_anonymous="2/minute", forwarded_allow_ips="testclient") as proxied:
        # Behind a trusted proxy each client address has its own budget; an untrusted peer's header is ignored.
        for address in ("192.0.2.1", "192.0.2.2"):
            forwarded = {"X-Forwarded-For": f"203.0.113.9, {address}"}
            assert [proxied.get("/v1.1/Things", headers=forwarded).status_code for _ in range(3)] == [200, 200, 429]
    with app_client(store, tmp_path, rate_limit_anonymous="2/minute") as direct:  # testclient is no trusted proxy here
        spoofed = [direct.get("/v1.1/Things", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(3)]
        assert spoofed == [200, 200, 429]
    with app_client(store, tmp_path, rate_limit_anonymous="none") as unlimited:
        assert {unlimited.get("/v1.1/Things").status_code for _ in range(30)} == {200}


def test_the_sensorthings_face_and_the_rest_share_one_budget(store: Store, tmp_path: Path) -> None:
    """The SensorThings API is answered before the app's routing (`Platform.direct`), behind the
    same guards: one rate limit budget and one count of requests in flight for the process."""
    with app_client(store, tmp_path, rate_limit_anonymous="5/minute") as client:
        answers = [client.get(path).status_code for path in ("/v1.1/Things", "/api/v1/datasets", "/v1.0/Things", "/api/v1/datasets", "/v1.1")]
        assert answers == [200] * 5
        assert_problem(client.get("/v1.1/Things"), 429)
        assert_problem(client.get("/api/v1/datasets"), 429)
        metrics = client.get("/metrics").text
        assert 'stadsdata_responses_total{face="sensorthings",method="GET",status="4xx"} 1.0' in metrics
        assert 'stadsdata_requests_refused_total{reason="rate_limit"} 2.0' in metrics
        assert {id(a.in_flight) for a in admissions(client.app.direct["/v1.1"]) + admissions(client.app.middleware_stack)} == {
            id(admissions(client.app.middleware_stack)[0].in_flight)
        }  # one count of requests in flight, whichever way a request goes


def admissions(layer: Any) -> list[Admission]:
    """The `Admission` layers in a chain of ASGI middleware."""
    found = []
    while layer is not None:
        if isinstance(layer, Admission):
            found.append(layer)
        layer = getattr(layer, "app", None)
    return found


def test_query_size_limits_are_settings(store: Store, tmp_path: Path) -> None:
    with app_client(store, tmp_path, max_expand_depth=1, max_filter_nodes=5) as client:
        assert client.get("/v1.1/Things?$expand=Datastreams($expand=Observations)").status_code == 200
        problem = assert_problem(client.get("/v1.1/Things?$expand=Datastreams($expand=Observations($expand=FeatureOfInterest))"), 400, "$expand")
        assert "max_expand_depth" in problem["detail"]
        problem = assert_problem(client.get("/v1.1/Things?$filter=name eq 'a' or name eq 'b'"), 400, "$filter")
        assert "max_filter_nodes" in problem["detail"]


def test_bad_rate_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="rate_limit_anonymous"):
        Settings(rate_limit_anonymous="lots")


def test_body_size_limit_declared_and_streamed(store: Store, tmp_path: Path, admin_key: dict[str, str]) -> None:
    big = thing_body("Groot", 5.0, 52.0, [stream_body("s", "p", {"name": "x"}, [])])
    big["description"] = "x" * 4000
    with app_client(store, tmp_path, max_body_bytes=2048) as client:
        problem = assert_problem(client.post("/v1.1/Things", json=big, headers=admin_key), 413, "body")
        assert "max_body_bytes" in problem["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            import json

            data = json.dumps(big).encode()
            for i in range(0, len(data), 500):
                yield data[i : i + 500]

        assert_problem(client.post("/v1.1/Things", content=chunks(), headers={**admin_key, "Content-Type": "application/json"}), 413, "body")
        assert client.get("/v1.1/Things?$count=true").json()["@iot.count"] == 0  # nothing was stored
        small = thing_body("Klein", 5.0, 52.0, [])
        assert client.post("/v1.1/Things", json=small, headers=admin_key).status_code == 201
        assert_problem(client.post("/v1.1/Things", content=b"{}", headers={**admin_key, "Content-Length": "-5"}), 400, "Content-Length")


def test_load_shedding_refuses_past_the_limit_with_retry_after() -> None:
    release = asyncio.Event()
    answered: list[int] = []

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    guard = Admission(slow_app, max_in_flight=2)

    async def call(path: str) -> tuple[int, dict[bytes, bytes]]:
        start: dict[str, Any] = {}

        async def send(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)

        async def receive() -> Any:
            return {"type": "http.request", "body": b""}

        await guard({"type": "http", "method": "GET", "path": path, "headers": []}, receive, send)
        answered.append(start["status"])
        return start["status"], dict(start["headers"])

    async def scenario() -> None:
        busy = [asyncio.create_task(call("/v1.1/Things")) for _ in range(2)]
        await asyncio.sleep(0.01)
        status, headers = await call("/v1.1/Things")  # a third while two are in flight
        assert status == 503 and headers[b"retry-after"] == b"1"
        probe = asyncio.create_task(call("/readyz"))  # probes are never shed
        await asyncio.sleep(0.01)
        release.set()
        assert [(await t)[0] for t in busy] == [200, 200]
        assert (await probe)[0] == 200
        assert (await call("/v1.1/Things"))[0] == 200  # room again
        assert guard.in_flight.count == 0

    asyncio.run(scenario())
    assert sorted(answered) == [200, 200, 200, 200, 503]


def test_readyz_and_metrics(client: TestClient, store: Store, admin_key: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    body = thing_body("Paal", 5.0, 52.0, [stream_body("pm10", "pm10", {"name": "µg/m³"}, [("2026-01-01T00:00:00Z", 1.0)])])
    assert client.post("/v1.1/Things", json=body, headers=admin_key).status_code == 201
    rows = [[f"2026-01-01T00:{m:02d}:00Z", m] for m in range(1, 11)]
    document = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
    assert client.post("/v1.1/CreateObservations", json=document, headers=admin_key).status_code == 201
    client.get("/v1.1/Things(12345)")

    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    lines = dict(line.rsplit(" ", 1) for line in metrics.text.splitlines() if line and not line.startswith("#"))
    assert float(lines["stadsdata_observations_stored_total"]) == 11  # 1 inline + 10 by dataArray
    assert float(lines['stadsdata_responses_total{face="sensorthings",method="POST",status="2xx"}']) == 2
    assert float(lines['stadsdata_responses_total{face="sensorthings",method="GET",status="4xx"}']) == 1
    assert float(lines["stadsdata_database_up"]) == 1 and float(lines["stadsdata_quarantine_held"]) == 0
    assert "Paal" not in metrics.text and "pm10" not in metrics.text  # figures, never data

    def down() -> None:
        raise ConnectionError("database gone")

    monkeypatch.setattr(store, "check_ready", down)
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.headers["Retry-After"] == "5"
    assert not_ready.json()["checks"]["database"].startswith("unavailable")
    assert client.get("/healthz").status_code == 200  # alive, not ready


def test_mqtt_payload_limit_quarantines_with_the_start_kept(client: TestClient, store: Store, admin_key: dict[str, str]) -> None:
    body = thing_body("Paal", 5.0, 52.0, [stream_body("pm10", "pm10", {"name": "µg/m³"}, [])])
    assert client.post("/v1.1/Things", json=body, headers=admin_key).status_code == 201
    ingestor = Ingestor(store, client.app.state.core.observations, max_payload_bytes=1024)  # type: ignore[attr-defined]
    creates = MqttCreates(ingestor, client.app.state.sta)  # type: ignore[attr-defined]
    caller = Caller(subject="key:test", is_admin=True, can_write=True)
    small = b'{"phenomenonTime": "2026-05-01T10:00:00Z", "result": 1}'
    assert creates.ingest(Message("mqtt", "v1.1/Datastreams(1)/Observations", small), caller) == Outcome.STORED
    large = b'{"phenomenonTime": "2026-05-01T10:01:00Z", "result": 1, "parameters": {"x": "' + b"y" * 5000 + b'"}}'
    assert creates.ingest(Message("mqtt", "v1.1/Datastreams(1)/Observations", large), caller) == Outcome.QUARANTINED
    (held,) = client.get("/api/v1/quarantine?status=held", headers=admin_key).json()["_embedded"]["quarantine"]
    assert held["field"] == "payload" and "mqtt_max_payload_bytes" in held["reason"] and str(len(large)) in held["reason"]
    kept = client.get(f"/api/v1/quarantine/{held['id']}", headers=admin_key).json()
    assert len(kept["payload"]) == 1024 and large.startswith(kept["payload"].encode())
    assert client.get("/v1.1/Datastreams(1)/Observations?$count=true").json()["@iot.count"] == 1
