"""`stadsdata sources kinds`: what an operator reads of the registered kinds."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from stadsdata.cli import app


def test_the_kinds_are_listed_with_how_they_receive() -> None:
    out = CliRunner().invoke(app, ["sources", "kinds"])
    assert out.exit_code == 0, out.output
    lines = {line.split()[0]: line for line in out.output.splitlines()}
    assert "webhook /api/v1/lorawan/tts/uplinks" in lines["tts"] and "MQTT v3/+/devices/+/up" in lines["tts"]
    assert "chirpstack" in lines


def test_the_manifests_as_json() -> None:
    out = CliRunner().invoke(app, ["sources", "kinds", "--json"])
    manifests = {m["name"]: m for m in json.loads(out.output)}
    assert manifests["tts"]["configSchema"]["required"] == ["mqtt_url"]
    assert manifests["chirpstack"]["webhook"]["path"] == "/api/v1/lorawan/chirpstack/events"
