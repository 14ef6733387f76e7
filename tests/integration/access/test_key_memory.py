"""A server process remembers the API keys it verified (no key lookup or hash per request), but
only while the access change counter stays where it was and the key lasts: a key revoked by
another server process on the same database, or one that expires, is refused on the next
request. Credentials are checked inside the request's own transaction, and before anything
else is told about the request."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.store.base import Store
from tests.integration.access.test_snapshot_cache import second_store
from tests.integration.sta.conftest import assert_problem


def new_key(store: Store, *, admin: bool = False, expires_at: datetime | None = None) -> tuple[str, str]:
    """(token, prefix) of a new key of a new party."""
    now = datetime.now(UTC)
    key = generate_api_key()
    with store.write() as tx:
        party = tx.access.add_party(f"partij-{key.prefix}", "company", None, now)
        tx.access.add_api_key(key.prefix, key.key_hash, "test", party, is_admin=admin, can_write=admin, expires_at=expires_at, now=now)
    return key.secret_key, key.prefix


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_key_revoked_by_another_server_is_refused_on_the_next_request(client: TestClient, store: Store, tmp_path: Path) -> None:
    token, prefix = new_key(store)
    for _ in range(3):  # verified once, then remembered
        assert client.get("/v1.1/Things", headers=bearer(token)).status_code == 200
    other = second_store(store, tmp_path)
    try:
        with other.write() as tx:
            assert tx.access.revoke_api_key(prefix, datetime.now(UTC))
    finally:
        other.close()
    assert_problem(client.get("/v1.1/Things", headers=bearer(token)), 401)
    assert_problem(client.post("/v1.1/Things", json={"name": "x", "description": "x"}, headers=bearer(token)), 401)


def test_a_remembered_key_is_refused_once_it_expires(client: TestClient, store: Store) -> None:
    token, _ = new_key(store, expires_at=datetime.now(UTC) + timedelta(seconds=1.5))
    assert client.get("/v1.1/Things", headers=bearer(token)).status_code == 200
    time.sleep(1.6)
    response = client.get("/v1.1/Things", headers=bearer(token))
    assert_problem(response, 401)
    assert "revoked or expired" in response.json()["detail"]


def test_another_key_of_the_same_prefix_is_not_taken_for_a_remembered_one(client: TestClient, store: Store) -> None:
    token, _ = new_key(store)
    assert client.get("/v1.1/Things", headers=bearer(token)).status_code == 200
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    assert_problem(client.get("/v1.1/Things", headers=bearer(forged)), 401)


def test_wrong_credentials_are_told_before_anything_else(client: TestClient) -> None:
    wrong = bearer("sdk_0badc0de_" + "x" * 43)
    for method, path in (("GET", "/v1.1"), ("GET", "/v1.1/Nonsense(1)"), ("DELETE", "/v1.1"), ("GET", "/v1.1/Things?$top=-1")):
        response = client.request(method, path, headers=wrong)
        assert_problem(response, 401)
    assert client.get("/v1.1/Nonsense(1)").status_code in (400, 404)  # without credentials: the path's own error


def test_the_service_root_answers_a_good_key_privately(client: TestClient, store: Store) -> None:
    token, _ = new_key(store)
    response = client.get("/v1.1", headers=bearer(token))
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
