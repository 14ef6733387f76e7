"""The register as a GeoJSON FeatureCollection (RFC 7946, WGS84): one Feature per entry, its
geometry the device's point or area, its properties the entry's JSON view (`views.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stadsdata.catalog.register.devices import Device
from stadsdata.catalog.register.views import device_view


def feature_collection(devices: Iterable[Device], base_url: str) -> dict[str, Any]:
    features = []
    for device in devices:
        properties = device_view(device, base_url)
        geometry = properties.pop("geometry")
        features.append({"type": "Feature", "id": device.id, "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}
