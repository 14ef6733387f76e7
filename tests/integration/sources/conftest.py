"""What the tests of sources share: a second `stadsdata serve` to mirror."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import running_server

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second `stadsdata serve` with its own database: 3 Things, a Datastream each, 10 Observations each."""
    with running_server(str(tmp_path_factory.mktemp("remote") / "remote.db")) as base:
        for n in range(3):
            thing = {
                "name": f"kit-{n}", "description": "sensor kit", "properties": {"codegemeente": "0193"},
                "Locations": [{"name": "here", "description": "-", "encodingType": "application/geo+json",
                               "location": {"type": "Point", "coordinates": [6.09 + n / 100, 52.51]}}],
                "Datastreams": [{"name": f"kit-{n}-pm25", "description": "-", "observationType": MEASUREMENT,
                                 "unitOfMeasurement": {"name": "µg/m³", "symbol": "ug/m3", "definition": "-"},
                                 "ObservedProperty": {"name": "pm25", "definition": "pm25", "description": "-"},
                                 "Sensor": {"name": "SDS011", "description": "-", "encodingType": "text/plain", "metadata": "-"},
                                 "Observations": [{"phenomenonTime": f"2026-12-01T10:{m:02d}:00Z", "result": m} for m in range(10)]}],
            }  # fmt: skip
            httpx.post(f"{base}/v1.1/Things", json=thing).raise_for_status()
        yield base
