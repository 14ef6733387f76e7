"""What the tests in a source kind's folder share: a platform on a fresh SQLite file (access
enforced, the example kinds on, no MQTT broker) with an admin key, and Things to map devices to.
The tests in tests/ cover both backends; a kind's own tests run its folder end to end."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.sources.scheduler import Scheduler

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


@dataclass
class SourcePlatform:
    client: TestClient
    admin: dict[str, str]  # headers with an admin's API key

    def add_thing(self, name: str, streams: dict[str, str]) -> list[int]:
        """A Thing with a Datastream per {name: unit}; their ids, in order."""
        datastreams = [{"name": n, "description": n, "observationType": MEASUREMENT,
                        "unitOfMeasurement": {"name": u, "symbol": u, "definition": u},
                        "ObservedProperty": {"name": n, "definition": n, "description": n},
                        "Sensor": {"name": name, "description": name, "encodingType": "text/plain", "metadata": "-"}}
                       for n, u in streams.items()]  # fmt: skip
        thing = {"name": name, "description": name, "Datastreams": datastreams,
                 "Locations": [{"name": name, "description": name, "encodingType": "application/geo+json",
                                "location": {"type": "Point", "coordinates": [6.09, 52.51]}}]}  # fmt: skip
        made = self.client.post("/v1.1/Things", json=thing, headers=self.admin)
        made.raise_for_status()
        found = self.client.get(f"{made.headers['location']}/Datastreams?$orderby=id&$select=id", headers=self.admin).json()["value"]
        return [s["@iot.id"] for s in found]

    def add_source(self, body: dict[str, Any]) -> dict[str, Any]:
        """Add a source through the management API (its connection tried unless `test` is false)."""
        made = self.client.post("/api/v1/sources", json=body, headers=self.admin)
        assert made.status_code == 201, made.text
        return made.json()

    def run(self, name: str) -> dict[str, Any]:
        """Run source `name` now in this thread (as the scheduler does); the run as the API shows it."""
        platform = self.client.app.state.platform  # type: ignore[attr-defined]
        run_id = Scheduler(platform.source_parts).run_now(name)
        assert run_id is not None, "another process holds the source's lease"
        runs = self.client.get(f"/api/v1/sources/{name}/runs", headers=self.admin).json()["_embedded"]["runs"]
        return next(r for r in runs if r["id"] == run_id)

    def source(self, name: str) -> dict[str, Any]:
        return self.client.get(f"/api/v1/sources/{name}", headers=self.admin).json()

    def get(self, path: str) -> Any:
        """GET a SensorThings path (as the admin) and its JSON."""
        found = self.client.get(path, headers=self.admin)
        found.raise_for_status()
        return found.json()

    def held(self) -> list[dict[str, Any]]:
        """The quarantine's held messages, newest first."""
        return self.client.get("/api/v1/quarantine?status=held", headers=self.admin).json()["_embedded"]["quarantine"]


@pytest.fixture
def source_platform(tmp_path: Path) -> Iterator[SourcePlatform]:
    yield from _platform(tmp_path, examples=True)


@pytest.fixture
def platform_without_examples(tmp_path: Path) -> Iterator[SourcePlatform]:
    """As an operator runs it: the example kinds not offered."""
    yield from _platform(tmp_path, examples=False)


def _platform(tmp_path: Path, *, examples: bool) -> Iterator[SourcePlatform]:
    settings = Settings(database=str(tmp_path / "sources.db"), access_mode="enforced", mqtt_embedded=False, example_sources=examples,
                        sources_run=False)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        key = generate_api_key()
        with client.app.state.store.write() as tx:  # type: ignore[attr-defined]
            tx.access.add_api_key(key.prefix, key.key_hash, "admin", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
        yield SourcePlatform(client, {"X-API-Key": key.secret_key})
