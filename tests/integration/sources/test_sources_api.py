"""/api/v1/sources on both backends: who may use it, what a bad source gets (400 problem+json
naming the field, nothing saved), changes, pause and resume, run now and re-sync, and that the
sources' kinds are listed. The source here is never reached: `"test": false` skips the
connection test (the kinds' own tests try connections against fake servers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.store.base import Store

SOURCE = {"name": "samenmeten", "kind": "sensorthings", "config": {"url": "http://127.0.0.1:9/v1.0"}, "test": False}


@pytest.fixture
def keys(store: Store) -> dict[str, dict[str, str]]:
    """Headers of an administrator and of a party's writer."""
    now = datetime.now(UTC)
    out = {}
    with store.write() as tx:
        party = tx.access.add_party("gemeente", "organisation", None, now)
        for name, admin, owner in (("admin", True, None), ("writer", False, party)):
            key = generate_api_key()
            tx.access.add_api_key(key.prefix, key.key_hash, name, owner, is_admin=admin, can_write=True, expires_at=None, now=now)
            out[name] = {"X-API-Key": key.secret_key}
        tx.access.add_dataset("lucht", "Lucht", "public", party, "", now)
    return out


def post(client: TestClient, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post("/api/v1/sources", json=body, headers=headers)


def test_only_administrators_manage_sources(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    assert post(client, SOURCE, {}).status_code == 401
    assert post(client, SOURCE, keys["writer"]).status_code == 403
    assert client.get("/api/v1/sources", headers=keys["writer"]).status_code == 403
    assert post(client, SOURCE, keys["admin"]).status_code == 201
    assert client.get("/api/v1/sources/samenmeten", headers=keys["writer"]).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "tts"}, "kind"),  # receives, does not fetch
        ({"kind": "nothing"}, "kind"),
        ({"name": "Samen Meten"}, "name"),
        ({"config": {}}, "config"),
        ({"config": {"url": "http://x/v1.0", "page_size": 0}}, "config.page_size"),
        ({"config": {"url": "http://x/v1.0", "colour": "blue"}}, "config"),
        ({"config": {"url": "http://x/v1.0", "auth": {"type": "bearer", "token": "literal"}}}, "config.auth"),
        ({"schedule": {"every": "often"}}, "schedule.every"),
        ({"schedule": {"cron": "every day"}}, "schedule.cron"),
        ({"schedule": {"every": 60, "cron": "* * * * *"}}, "schedule"),
        ({"dataset": "nope"}, "dataset"),
    ],
)
def test_a_bad_source_is_refused_naming_the_field(client: TestClient, keys: dict[str, dict[str, str]], change: dict[str, Any], field: str) -> None:
    refused = post(client, SOURCE | change, keys["admin"])
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"].startswith(field), refused.json()
    assert client.get("/api/v1/sources", headers=keys["admin"]).json()["_embedded"]["sources"] == []


def test_a_name_is_taken_once(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    assert post(client, SOURCE, keys["admin"]).status_code == 201
    again = post(client, SOURCE, keys["admin"])
    assert again.status_code == 409 and again.json()["field"] == "name"


def test_change_pause_resume_run_now_and_resync(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    admin = keys["admin"]
    made = post(client, SOURCE | {"dataset": "lucht", "title": "Samen Meten"}, admin).json()
    assert (made["dataset"], made["title"], made["schedule"], made["state"]) == ("lucht", "Samen Meten", {"every": "PT10M"}, "active")
    assert made["status"]["lastRun"] is None and made["status"]["running"] is False

    changed = client.patch("/api/v1/sources/samenmeten", json={"schedule": {"cron": "*/5 * * * *"}, "state": "paused"}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["schedule"], changed.json()["state"]) == ({"cron": "*/5 * * * *"}, "paused")
    refused = client.patch("/api/v1/sources/samenmeten", json={"kind": "tts"}, headers=admin)
    assert refused.status_code == 400 and refused.json()["field"] == "kind"
    bad_config = client.patch("/api/v1/sources/samenmeten", json={"config": {"url": 5}, "test": False}, headers=admin)
    assert bad_config.status_code == 400 and bad_config.json()["field"] == "config.url"

    asked = client.post("/api/v1/sources/samenmeten/run", json={"resyncFrom": "2026-11-01T00:00:00+01:00"}, headers=admin)
    assert asked.status_code == 202
    assert asked.json()["status"]["runRequested"] is True
    assert asked.json()["status"]["resyncFrom"] == "2026-10-31T23:00:00Z"
    resumed = client.patch("/api/v1/sources/samenmeten", json={"state": "active"}, headers=admin).json()
    assert resumed["state"] == "active"
    assert client.get("/api/v1/sources/nothing", headers=admin).status_code == 404
    assert client.get("/api/v1/sources/samenmeten/runs", headers=admin).json()["_embedded"]["runs"] == []


def test_the_kinds_that_fetch_are_listed_with_their_schedule(client: TestClient) -> None:
    kinds = {k["name"]: k for k in client.get("/api/v1/source-kinds").json()["_embedded"]["sourceKinds"]}
    remote = kinds["sensorthings"]
    assert remote["pull"] == {"schedule": {"every": "PT10M"}, "secrets": ["auth.value", "auth.token", "auth.password"], "defaults": {}}
    assert kinds["luchtmeetnet"]["pull"]["defaults"] == {"rate_limit_per_s": 0.3333}
    assert {"url", "auth", "timeout_s", "retries", "rate_limit_per_s"} <= set(remote["configSchema"]["properties"])
    assert "pull" not in kinds["tts"]
