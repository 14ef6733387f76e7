"""The example source kind, end to end through what the platform builds from its folder alone
(the `source_platform` fixture: stadsdata/sources/conftest.py): its webhook stores a mapped
meter's readings once, quarantines what it cannot use, and exists only where the example kinds
are switched on."""

from __future__ import annotations

import re
from pathlib import Path

from stadsdata.sources.conftest import SourcePlatform
from stadsdata.sources.registry import source_kinds

READING = (Path(__file__).parent / "recorded/reading.json").read_bytes()
WEBHOOK = "/api/v1/example/meter-readings"


def count(platform: SourcePlatform, stream: int) -> int:
    return platform.client.get(f"/v1.1/Datastreams({stream})/Observations?$count=true", headers=platform.admin).json()["@iot.count"]


def test_a_mapped_meter_is_stored_once_and_the_rest_quarantined(source_platform: SourcePlatform) -> None:
    client, admin = source_platform.client, source_platform.admin
    energy, power = source_platform.add_thing("Meterkast 17", {"energy": "kWh", "power": "kW"})
    mapping = {"network": "example-meter", "device": "m-17", "fields": {"kWh": energy}}  # kW not mapped yet
    device = client.post("/api/v1/lorawan-devices", json=mapping, headers=admin).json()
    answer = client.post(WEBHOOK, content=READING, headers=admin)
    assert answer.status_code == 202 and answer.json() == {"outcome": "quarantined"}  # kWh stored, kW held
    assert [o["result"] for o in client.get(f"/v1.1/Datastreams({energy})/Observations", headers=admin).json()["value"]] == [1234.5]
    (kept,) = source_platform.held()
    assert kept["source"] == "example-meter" and kept["field"] == "decoded.kW"

    client.patch(f"/api/v1/lorawan-devices/{device['id']}", json={"fields": {"kWh": energy, "kW": power}}, headers=admin).raise_for_status()
    replayed = client.patch(f"/api/v1/quarantine/{kept['id']}", json={"status": "replayed"}, headers=admin)
    assert replayed.json()["outcome"] == "stored"  # kW now; kWh was stored before under the same key
    assert client.post(WEBHOOK, content=READING, headers=admin).json() == {"outcome": "duplicate"}
    assert [count(source_platform, energy), count(source_platform, power)] == [1, 1] and source_platform.held() == []


def test_what_the_kind_cannot_read_is_quarantined_naming_the_member(source_platform: SourcePlatform) -> None:
    client, admin = source_platform.client, source_platform.admin
    for body, field in ((b'{"meter": "m-17", "time": "2026-12-01T10:00:00Z", "kWh": "veel"}', "kWh"),
                        (b'{"time": "2026-12-01T10:00:00Z", "kWh": 1}', "meter"),
                        (b'{"meter": "m-99", "time": "2026-12-01T10:00:00Z", "kWh": 1}', "device")):  # fmt: skip
        assert client.post(WEBHOOK, content=body, headers=admin).status_code == 202
        assert source_platform.held()[0]["field"] == field


def test_readings_without_credentials_are_kept_not_stored(source_platform: SourcePlatform) -> None:
    """As for every webhook: a source set up without its API key loses nothing; an admin replays it."""
    client, admin = source_platform.client, source_platform.admin
    (energy,) = source_platform.add_thing("Meterkast 17", {"energy": "kWh"})
    assert client.post("/api/v1/lorawan-devices", json={"network": "example-meter", "device": "m-17", "fields": {"kWh": energy}}, headers=admin).status_code == 201
    refused = client.post(WEBHOOK, content=READING)
    assert refused.status_code == 202 and source_platform.held()[0]["reason"].endswith("needs credentials (an API key or a user)")
    assert count(source_platform, energy) == 0


def test_the_example_is_offered_only_when_switched_on(platform_without_examples: SourcePlatform) -> None:
    assert "example-meter" not in source_kinds() and "example-meter" in source_kinds(examples=True)
    client, admin = platform_without_examples.client, platform_without_examples.admin
    assert client.post(WEBHOOK, content=READING, headers=admin).status_code == 404
    assert "example-meter" not in [k["name"] for k in client.get("/api/v1/source-kinds").json()["_embedded"]["sourceKinds"]]


def test_docs_architecture_shows_this_folder_as_it_is() -> None:
    """docs/architecture.md, "Adding a source kind", quotes the manifest, __init__.py and decode.py."""
    page = (Path(__file__).resolve().parents[3] / "docs/architecture.md").read_text()
    section = page[page.index("## Adding a source kind") : page.index("## Adding a face")]
    blocks = re.findall(r"```(?:toml|python)\n(.*?)```", section, re.S)
    for name in ("manifest.toml", "__init__.py", "decode.py"):
        assert (Path(__file__).parent / name).read_text() in blocks, f"docs/architecture.md does not show {name} as it is"
