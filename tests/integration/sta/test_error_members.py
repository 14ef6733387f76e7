"""Every error answered on the SensorThings face is RFC 9457 problem+json that also carries
`code` (the status) and `message` (the detail), the members clients of FROST-Server read — on
every path an error can take: the service itself, `$batch` sub-requests in both formats, the
access checks, the guards in front of every face (body size, rate limit), the framework's own
404 and 405, and the management API, which shares the renderer (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import assert_error_members, assert_problem, thing_body
from tests.integration.sta.test_batch import Embedded, http_part, post_json_batch, post_multipart, read_multipart

JSON = {"Content-Type": "application/json"}

# (method, path, request arguments, status)
ANSWERED_BY_THE_SERVICE = {
    "filter syntax": ("GET", "/v1.1/Things?$filter=name eq", {}, 400),
    "negative $top": ("GET", "/v1.1/Things?$top=-1", {}, 400),
    "unknown function": ("GET", "/v1.1/Things?$filter=nonsense(name) eq 1", {}, 400),
    "no such entity": ("GET", "/v1.1/Things(9999)", {}, 404),
    "$value of no entity": ("GET", "/v1.1/Things(9999)/name/$value", {}, 404),
    "no such entity set": ("GET", "/v1.1/Nothing", {}, 404),
    "no such property": ("GET", "/v1.1/Things/nothing", {}, 404),
    "v1.0": ("GET", "/v1.0/Things(9999)", {}, 404),
    "service root is read-only": ("POST", "/v1.1", {"json": {}}, 405),
    "not JSON": ("POST", "/v1.1/Things", {"content": b"name=x", "headers": {"Content-Type": "text/csv"}}, 415),
    "broken JSON": ("POST", "/v1.1/Things", {"content": b"{not json", "headers": JSON}, 400),
    "missing property": ("POST", "/v1.1/Things", {"json": {"description": "no name"}}, 400),
    "link to nothing": ("POST", "/v1.1/Things", {"json": {**thing_body("x", 5, 52, []), "Locations": [{"@iot.id": 9999}]}}, 400),
    "invalid batch": ("POST", "/v1.1/$batch", {"json": {}}, 400),
    "no route at all": ("GET", "/v1.1x/Things", {}, 404),
    "method not routed": ("OPTIONS", "/v1.1/Things", {}, 405),
    "management API": ("GET", "/api/v1/nothing", {}, 404),
    "management API validation": ("POST", "/api/v1/datasets", {"json": {"title": 3}}, 400),
}


@pytest.mark.parametrize("case", ANSWERED_BY_THE_SERVICE)
def test_error_carries_code_and_message(client: TestClient, case: str) -> None:
    method, path, arguments, status = ANSWERED_BY_THE_SERVICE[case]
    problem = assert_problem(client.request(method, path, **arguments), status)
    assert isinstance(problem["code"], int)


def test_batch_sub_request_errors_carry_code_and_message(client: TestClient) -> None:
    (missing,) = read_multipart(post_multipart(client, [http_part("GET", "Things(9999)")]))
    assert isinstance(missing, Embedded) and missing.status == 404
    assert_error_members(missing.json(), 404)
    responses = post_json_batch(
        client,
        [
            {"id": "a", "method": "GET", "url": "Things(9999)"},
            {"id": "b", "method": "POST", "url": "Things", "body": {"description": "no name"}},
            {"id": "c", "method": "POST", "url": "$a/Datastreams", "body": {}},  # refers to a failed request
        ],
    )
    statuses = {r["id"]: r["status"] for r in responses}
    assert statuses == {"a": 404, "b": 400, "c": 424}
    for response in responses:
        assert_error_members(response["body"], response["status"])


@pytest.fixture
def keys(store: Store) -> dict[str, dict[str, str]]:
    """An admin key and a key that may read but not write."""
    headers = {}
    with store.write() as tx:
        for name, admin, write in (("admin", True, True), ("reader", False, False)):
            key = generate_api_key()
            tx.access.add_api_key(key.prefix, key.key_hash, name, None, is_admin=admin, can_write=write, expires_at=None, now=datetime.now(UTC))
            headers[name] = {"X-API-Key": key.secret_key}
    return headers


@pytest.fixture
def guarded(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    """An app with access control enforced and small limits."""
    settings = Settings(
        database=str(tmp_path / "x.db"), access_mode="enforced", mqtt_embedded=False, max_body_bytes=2048,
        rate_limit_anonymous="6/minute",
    )  # fmt: skip
    with TestClient(create_app(settings, store=store)) as client:
        yield client


def test_access_and_guard_errors_carry_code_and_message(guarded: TestClient, keys: dict[str, dict[str, str]]) -> None:
    thing = thing_body("Paal", 5.0, 52.0, [])
    assert_problem(guarded.get("/v1.1/Things", headers={"X-API-Key": "sdk_made_up"}), 401)
    assert_problem(guarded.post("/v1.1/Things", json=thing), 401)
    assert_problem(guarded.post("/v1.1/Things", json=thing, headers=keys["reader"]), 403)
    too_large = {**thing, "description": "x" * 4000}
    assert_problem(guarded.post("/v1.1/Things", json=too_large, headers=keys["admin"]), 413, "body")
    dataset = {"name": "lucht", "title": "Lucht", "accessLevel": "public"}
    assert guarded.post("/api/v1/datasets", json=dataset, headers=keys["admin"]).status_code == 201
    assert_problem(guarded.post("/api/v1/datasets", json=dataset, headers=keys["admin"]), 409, "name")
    answers = [guarded.get("/v1.1/Things") for _ in range(10)]  # anonymous: 6 a minute
    refused = [a for a in answers if a.status_code == 429]
    assert refused, [a.status_code for a in answers]
    assert_problem(refused[0], 429)
