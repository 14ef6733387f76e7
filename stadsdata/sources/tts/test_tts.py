"""The Things Stack kind on its recorded uplink (recorded/uplink.json, the shape TTS v3 sends to a
webhook and publishes on `v3/…/up`): the report, other messages, malformed ones, device ids.
End to end (webhook, MQTT integration, quarantine, replay): tests/integration/ingest/test_lorawan.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stadsdata.errors import BadRequest
from stadsdata.sources.registry import source_kinds
from stadsdata.sources.tts import KIND

UPLINK = json.loads((Path(__file__).parent / "recorded/uplink.json").read_text())


def test_an_uplink_is_the_report_of_its_device() -> None:
    report = KIND.decode(json.dumps(UPLINK).encode())
    assert report is not None
    assert report.device == "gemeente-luchtmeetnet/eui-70b3d57ed0061a2b"
    assert report.report_id == "as:up:01JDX4Q7M2KZ6T3H8B1V0C9N5R"  # the application server's id of the uplink
    assert report.time == datetime(2026, 5, 1, 10, 0, 1, 204921, tzinfo=UTC)  # when the network received it
    assert report.fields == {"temperature": 20.5, "humidity": 41.4, "co2": 1000}
    assert report.parameters == {"f_cnt": 1843, "f_port": 2, "gateway": "zwolle-stadhuis", "rssi": -97, "snr": 8.25, "gateways": 2}


def test_other_application_messages_carry_no_readings() -> None:
    join = {"end_device_ids": UPLINK["end_device_ids"], "join_accept": {"session_key_id": "x"}, "received_at": UPLINK["received_at"]}
    assert KIND.decode(json.dumps(join).encode()) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda u: u["uplink_message"].pop("decoded_payload"), "uplink_message.decoded_payload"),
        (lambda u: u["end_device_ids"].pop("device_id"), "end_device_ids.device_id"),
        (lambda u: u["end_device_ids"]["application_ids"].pop("application_id"), "end_device_ids.application_ids.application_id"),
        (lambda u: u["uplink_message"].update(received_at="yesterday"), "uplink_message.received_at"),
    ],
)
def test_a_malformed_uplink_is_refused_naming_the_member(change: object, field: str) -> None:
    uplink = json.loads(json.dumps(UPLINK))
    change(uplink)  # type: ignore[operator]
    with pytest.raises(BadRequest) as refused:
        KIND.decode(json.dumps(uplink).encode())
    assert refused.value.field == field


def test_not_json_is_refused() -> None:
    with pytest.raises(BadRequest, match="not valid JSON"):
        KIND.decode(b"{")
    with pytest.raises(BadRequest, match="an uplink is a JSON object"):
        KIND.decode(b"[]")


def test_device_ids_are_application_slash_device() -> None:
    assert KIND.device_id("gemeente-luchtmeetnet/eui-70b3d57ed0061a2b") == "gemeente-luchtmeetnet/eui-70b3d57ed0061a2b"
    with pytest.raises(BadRequest, match="application id") as refused:
        KIND.device_id("eui-70b3d57ed0061a2b")
    assert refused.value.field == "device"


def test_the_kind_is_registered_with_its_webhook_and_topics() -> None:
    kind = source_kinds()["tts"]
    assert kind is KIND and kind.manifest.message_source == "lorawan-tts"
    assert kind.manifest.webhook is not None and kind.manifest.webhook.path == "lorawan/tts/uplinks"
    assert kind.manifest.mqtt_topics == ("v3/+/devices/+/up",) and kind.manifest.mqtt_shared is False
