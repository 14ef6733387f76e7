"""The device-report path every source kind shares (ingest/devices.py), both backends: a kind's
decoder that breaks on a message does not make a 500; the message is kept in the quarantine with
the reason, as a malformed one is."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from stadsdata.access.policy import Caller
from stadsdata.app import create_app
from stadsdata.ingest.devices import DeviceReport, ingest_report
from stadsdata.ingest.pipeline import Message, Outcome
from stadsdata.settings import Settings
from stadsdata.store.base import Store

ADMIN = Caller(subject="key:test", is_admin=True, can_write=True)


def broken_decoder(payload: bytes) -> DeviceReport:
    return {"fields": payload.decode()}["missing"]  # type: ignore[return-value]  # a bug of a kind


def test_a_decoder_that_breaks_is_a_quarantined_message(store: Store, tmp_path: Path) -> None:
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), access_mode="open"), store=store)) as client:
        ingestor = client.app.state.ingestor  # type: ignore[attr-defined]
        message = Message("broken-kind", "/api/v1/broken", b'{"a": 1}')
        assert ingest_report(ingestor, "broken-kind", broken_decoder, message, ADMIN) is Outcome.QUARANTINED
        with store.read_only() as tx:
            (held,) = tx.access.rows("quarantine", {"source": "broken-kind"}, limit=10)
    assert held["payload"] == '{"a": 1}' and held["field"] == "body"
    assert held["reason"] == "the broken-kind decoder could not read the message (KeyError: 'missing')"


def test_a_device_mapping_names_a_registered_kind_and_its_id_form(store: Store, tmp_path: Path) -> None:
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), access_mode="open"), store=store)) as client:
        unknown = client.post("/api/v1/lorawan-devices", json={"network": "sigfox", "device": "x", "fields": {"a": 1}})
        assert unknown.status_code == 400 and unknown.headers["content-type"] == "application/problem+json"
        assert unknown.json()["field"] == "network" and "the kinds are chirpstack, tts" in unknown.json()["detail"]
        fetching = client.post("/api/v1/lorawan-devices", json={"network": "sensorthings", "device": "x", "fields": {"a": 1}})
        assert fetching.status_code == 400 and fetching.json()["field"] == "network"  # a kind that fetches has no devices
        not_a_deveui = client.post("/api/v1/lorawan-devices", json={"network": "chirpstack", "device": "peilbuis-12", "fields": {"a": 1}})
        assert not_a_deveui.status_code == 400 and not_a_deveui.json()["field"] == "device"
