"""The ChirpStack kind on its recorded `up` event (recorded/up.json, the shape ChirpStack v4 sends
by its HTTP integration and publishes on `application/…/event/up`). End to end:
tests/integration/ingest/test_lorawan.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stadsdata.errors import BadRequest
from stadsdata.sources.chirpstack import KIND
from stadsdata.sources.registry import source_kinds

UP = json.loads((Path(__file__).parent / "recorded/up.json").read_text())


def test_an_up_event_is_the_report_of_its_device() -> None:
    report = KIND.decode(json.dumps(UP).encode())
    assert report is not None
    assert report.device == UP["deviceInfo"]["devEui"].lower()
    assert report.report_id == UP["deduplicationId"]
    assert report.time == datetime.fromisoformat(UP["time"]).astimezone(UTC)
    assert report.fields == UP["object"]
    assert report.parameters["f_cnt"] == UP["fCnt"] and report.parameters["gateways"] == len(UP["rxInfo"])
    best = max(UP["rxInfo"], key=lambda g: g["rssi"])
    assert (report.parameters["gateway"], report.parameters["rssi"]) == (best["gatewayId"], best["rssi"])


def test_without_its_time_the_first_gateway_time_is_taken() -> None:
    event = {k: v for k, v in UP.items() if k != "time"}
    report = KIND.decode(json.dumps(event).encode())
    assert report is not None and report.time == datetime.fromisoformat(UP["rxInfo"][0]["nsTime"]).astimezone(UTC)


@pytest.mark.parametrize(
    ("member", "field"),
    [("object", "object"), ("deduplicationId", "deduplicationId"), ("deviceInfo", "deviceInfo")],
)
def test_a_malformed_event_is_refused_naming_the_member(member: str, field: str) -> None:
    event = {k: v for k, v in UP.items() if k != member}
    with pytest.raises(BadRequest) as refused:
        KIND.decode(json.dumps(event).encode())
    assert refused.value.field == field


def test_device_ids_are_deveuis_in_lower_case() -> None:
    assert KIND.device_id("A84041F3D1822AF1") == "a84041f3d1822af1"
    with pytest.raises(BadRequest, match="DevEUI"):
        KIND.device_id("not-a-deveui")


def test_the_kind_is_registered_with_its_webhook_and_topics() -> None:
    kind = source_kinds()["chirpstack"]
    assert kind is KIND and kind.manifest.message_source == "lorawan-chirpstack"
    assert kind.manifest.webhook is not None and kind.manifest.webhook.only_when == {"event": "up"}
    assert kind.manifest.mqtt_topics == ("application/+/device/+/event/up",)
