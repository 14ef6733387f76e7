"""What the OCPI receiver's tests share: a platform on a fresh SQLite file (access enforced) with
the OCPI face mounted and an admin key, and a test CPO that talks OCPI to it."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from stadsdata.store.schema import metadata

RECORDED = Path(__file__).parent / "recorded"
FACE = "stadsdata.api.ocpi.face:FACE"



def recorded(name: str) -> dict[str, Any]:
    return orjson.loads((RECORDED / name).read_bytes())  # type: ignore[no-any-return]


@dataclass
class Cpo:
    """A test CPO: speaks OCPI 2.2.1 to the platform with its current credentials token."""

    client: TestClient
    token: str = ""
    encode: bool = True  # 2.2.1: the token base64-encoded in the header; 2.1.1: as it is
    sent_ids: list[str] = field(default_factory=list)

    def headers(self, token: str | None = None) -> dict[str, str]:
        token = self.token if token is None else token
        value = base64.b64encode(token.encode()).decode() if self.encode else token
        request_id = str(uuid.uuid4())
        self.sent_ids.append(request_id)
        return {"Authorization": f"Token {value}", "X-Request-ID": request_id, "X-Correlation-ID": "corr-" + request_id}

    def call(
        self, method: str, path: str, body: Any = None, *, raw: bytes | None = None, token: str | None = None
    ) -> httpx.Response:
        content = raw if raw is not None else (orjson.dumps(body) if body is not None else None)
        headers = self.headers(token) | ({"Content-Type": "application/json"} if content is not None else {})
        return self.client.request(method, path, content=content, headers=headers)


@dataclass
class OcpiPlatform:
    client: TestClient
    admin: dict[str, str]

    def register_cpo(
        self, name: str = "Example Operator", country_code: str = "NL", party_id: str = "EXA"
    ) -> dict[str, Any]:
        made = self.client.post(
            "/api/v1/ocpi/parties",
            json={"name": name, "countryCode": country_code, "partyId": party_id},
            headers=self.admin,
        )
        assert made.status_code == 201, made.text
        return made.json()  # type: ignore[no-any-return]

    def connected_cpo(self) -> Cpo:
        """A CPO through the whole handshake (versions, details, POST credentials): with token C."""
        token_a = self.register_cpo()["registrationToken"]
        cpo = Cpo(self.client, token_a)
        assert cpo.call("GET", "/ocpi/versions").status_code == 200
        assert cpo.call("GET", "/ocpi/2.2.1").status_code == 200
        answer = cpo.call("POST", "/ocpi/2.2.1/credentials", recorded("credentials_post_request.json"))
        assert answer.status_code == 200 and answer.json()["status_code"] == 1000, answer.text
        cpo.token = answer.json()["data"]["token"]
        return cpo

    def get(self, path: str) -> Any:
        found = self.client.get(path, headers=self.admin)
        assert found.status_code == 200, found.text
        return found.json()

    def dump(self) -> str:
        """Every row of every table of the database, as text (to look for what must not be there)."""
        store = self.client.app.state.store  # type: ignore[attr-defined]
        with store.engine.connect() as conn:
            return "\n".join(repr(tuple(row)) for table in metadata.sorted_tables for row in conn.execute(select(table)))

    def rows(self, table: str) -> list[dict[str, Any]]:
        with self.client.app.state.store.read_only() as tx:  # type: ignore[attr-defined]
            return tx.access.rows(table, limit=1000)

    def held(self) -> list[dict[str, Any]]:
        return self.get("/api/v1/quarantine?status=held")["_embedded"]["quarantine"]  # type: ignore[no-any-return]


@pytest.fixture
def ocpi(store: Store, tmp_path: Path) -> Iterator[OcpiPlatform]:
    """The platform with the OCPI face on each backend (the `store` fixture of tests/conftest.py)."""
    settings = Settings(
        database=str(tmp_path / "ocpi.db"), access_mode="enforced", mqtt_embedded=False, sources_run=False
    )
    with TestClient(create_app(settings, store=store)) as client:
        key = generate_api_key()
        with client.app.state.store.write() as tx:  # type: ignore[attr-defined]
            tx.access.add_api_key(
                key.prefix,
                key.key_hash,
                "admin",
                None,
                is_admin=True,
                can_write=True,
                expires_at=None,
                now=datetime.now(UTC),
            )
        yield OcpiPlatform(client, {"X-API-Key": key.secret_key})
