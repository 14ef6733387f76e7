"""Delivery of alerts by e-mail on both backends: a local SMTP server (aiosmtpd) the test starts
receives the alert from the configured From address to the rule's address, recorded as delivered;
a server that requires a login gets one (and a wrong password shows as a failing delivery)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import stream_body, thing_body

T0 = datetime(2026, 3, 2, tzinfo=UTC)


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Any] = []

    def handle_message(self, message: Any) -> None:
        self.messages.append(message)


@contextmanager
def smtp_server(**options: Any) -> Iterator[tuple[int, Inbox]]:
    """A local SMTP server (aiosmtpd) on a free port: (its port, what it received)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@contextmanager
def city_app(store: Store, tmp_path: Path, port: int, **settings: Any) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The platform with alert e-mail through the server on `port`, an admin key and one NO2 stream."""
    now = datetime.now(UTC)
    with store.write() as tx:
        key = generate_api_key()
        tx.access.add_party("beheer", "organisation", None, now)
        tx.access.add_api_key(key.prefix, key.key_hash, "admin", 1, is_admin=True, can_write=True, expires_at=None, now=now)
    config = Settings(
        database=str(tmp_path / "x.db"), access_mode="enforced", basemap="none",
        alert_smtp_host="127.0.0.1", alert_smtp_port=port, alert_smtp_from="alerts@stad.example", **settings,
    )  # fmt: skip
    admin = {"X-API-Key": key.secret_key}
    with TestClient(create_app(config, store=store)) as client:
        stream = stream_body("no2", "NO2", {"name": "microgram per cubic metre", "symbol": "µg/m³"}, [])
        assert client.post("/v1.1/Things", json=thing_body("Tuin", 6.09, 52.51, [stream]), headers=admin).status_code == 201
        yield client, admin


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def city(store: Store, tmp_path: Path, smtp: tuple[int, Inbox]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with city_app(store, tmp_path, smtp[0]) as made:
        yield made


def test_an_alert_is_mailed(city: Any, smtp: tuple[int, Inbox]) -> None:
    client, admin = city
    params = {"operator": "above", "value": 100, "email": "beheer@stad.example"}
    made = client.post("/api/v1/alert-rules", json={"name": "piek", "kind": "threshold", "datastreamId": 1, "params": params}, headers=admin)
    assert made.status_code == 201, made.text
    body = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"],
             "dataArray": [[T0.isoformat(), 90.0], [(T0 + timedelta(minutes=1)).isoformat(), 130.0]]}]  # fmt: skip
    assert client.post("/v1.1/CreateObservations", json=body, headers=admin).status_code == 201
    client.app.state.alert_evaluator.wait_idle()  # type: ignore[attr-defined]
    assert len(smtp[1].messages) == 1
    mail = message_from_bytes(smtp[1].messages[0].as_bytes())
    assert (mail["From"], mail["To"], mail["Subject"]) == ("alerts@stad.example", "beheer@stad.example", "stadsdata alert: piek")
    sent = json.loads(mail.get_payload(decode=True))
    assert (sent["alert"]["value"], sent["alert"]["state"]) == (130.0, "open")
    alert = client.get("/api/v1/alerts", headers=admin).json()["_embedded"]["alerts"][0]
    assert alert["delivery"]["email"]["deliveredAt"] is not None
    bad = client.post("/api/v1/alert-rules", json={"name": "x", "kind": "threshold", "datastreamId": 1,
                                                   "params": {**params, "email": "a@b, c@d"}}, headers=admin)  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "params.email"


def _password_checked(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    return AuthResult(success=isinstance(data, LoginPassword) and (data.login, data.password) == (b"alerts", b"geheim-wachtwoord"))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("password", ["geheim-wachtwoord", "fout"])
def test_the_server_wants_a_login(store: Store, tmp_path: Path, password: str) -> None:
    """With `alert_smtp_user`/`_password` the alert goes through a server that requires a login; a
    wrong password shows as a failing delivery (retried), never as a lost alert or a failed ingest."""
    login = {"authenticator": _password_checked, "auth_required": True, "auth_require_tls": False}
    with smtp_server(**login) as (port, inbox), city_app(store, tmp_path, port, alert_smtp_user="alerts", alert_smtp_password=password) as (client, admin):
        evaluator = client.app.state.alert_evaluator  # type: ignore[attr-defined]
        evaluator.webhooks.attempts = 1  # no back-off waits in the test
        params = {"operator": "above", "value": 100, "email": "beheer@stad.example"}
        rule = {"name": "piek", "kind": "threshold", "datastreamId": 1, "params": params}
        assert client.post("/api/v1/alert-rules", json=rule, headers=admin).status_code == 201
        body = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": [[T0.isoformat(), 130.0]]}]
        assert client.post("/v1.1/CreateObservations", json=body, headers=admin).status_code == 201
        evaluator.wait_idle()
        delivery = client.get("/api/v1/alerts", headers=admin).json()["_embedded"]["alerts"][0]["delivery"]["email"]
    if password == "fout":
        assert inbox.messages == [] and delivery["deliveredAt"] is None and delivery["error"], delivery
    else:
        assert len(inbox.messages) == 1 and delivery["deliveredAt"] is not None
