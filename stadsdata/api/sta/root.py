"""The service root document (OGC 18-088 §9.2.1): entity sets and, from 1.1 on, the server
settings with the conformance classes this server implements (`conformance.py`)."""

from __future__ import annotations

from typing import Any

from stadsdata.api.sta.conformance import server_settings
from stadsdata.model.entities import ENTITY_TYPES


def service_root_document(service_root: str, version: str, mqtt_endpoints: tuple[str, ...] = ()) -> dict[str, Any]:
    """`mqtt_endpoints`: where this server's MQTT broker is reached, when it runs one."""
    root = service_root.rstrip("/")
    document: dict[str, Any] = {
        "value": [{"name": e.set_name, "url": f"{root}/{e.set_name}"} for e in ENTITY_TYPES.values()]
    }
    if version >= "1.1":
        document["serverSettings"] = server_settings(mqtt_endpoints)
    return document
