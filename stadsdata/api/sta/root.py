"""The service root document (OGC 18-088 §9.2.1): entity sets and, from 1.1 on, the server
settings with the conformance classes this server passes."""

from __future__ import annotations

from typing import Any

from stadsdata.model.entities import ENTITY_TYPES

_REQ = "http://www.opengis.net/spec/iot_sensing/1.1/req/"

# Only what the test suite (tests/integration/sta/) demonstrates. The MQTT classes come with
# the ingestion issue.
CONFORMANCE = [
    _REQ + "datamodel",
    _REQ + "resource-path/resource-path-to-entities",
    _REQ + "request-data",
    _REQ + "create-update-delete",
    _REQ + "batch-request/batch-request",
    _REQ + "multi-datastream",
    _REQ + "data-array/data-array",
]


def service_root_document(service_root: str, version: str) -> dict[str, Any]:
    root = service_root.rstrip("/")
    document: dict[str, Any] = {
        "value": [{"name": e.set_name, "url": f"{root}/{e.set_name}"} for e in ENTITY_TYPES.values()]
    }
    if version >= "1.1":
        document["serverSettings"] = {"conformance": list(CONFORMANCE)}
    return document
