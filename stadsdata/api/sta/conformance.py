"""The conformance classes of OGC 18-088 (SensorThings API 1.1) this server implements, declared
in one place: the service root lists them in `serverSettings.conformance`.

Each class is listed by its own URI and by the URIs of its requirements (Annex A), because
clients and test suites look for either: FROST-Server's root lists the class URIs
(`…/req/datamodel`), istSOS4 and the OGC test suite's requirement names the finer ones
(`…/req/datamodel/thing/properties`). Only what the server does is listed, and
`tests/integration/sta/test_conformance.py` exercises every URI listed here.

Not listed, because the server does not do it: `create-update-delete/historical-location-manual-creation`
(a HistoricalLocation created by a client is stored, but does not change the Thing's current
Locations). The MQTT classes are listed only while this server runs its embedded broker: the
root then names the broker's endpoint in a settings object per class (§9.2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

REQ = "http://www.opengis.net/spec/iot_sensing/1.1/req/"

# The entities of the Sensing Core, as 18-088 names them in requirement URIs.
CORE_ENTITIES = (
    "thing",
    "location",
    "historical-location",
    "datastream",
    "sensor",
    "observed-property",
    "observation",
    "feature-of-interest",
)


@dataclass(frozen=True)
class ConformanceClass:
    """One conformance class: its URIs and whether it needs the MQTT broker."""

    name: str
    uris: tuple[str, ...]  # the class URI first, then its requirements
    mqtt: bool = False

    @property
    def requirements(self) -> tuple[str, ...]:
        """The requirement URIs (a class of one requirement is named by that requirement)."""
        return self.uris[1:] or self.uris


def _req(*paths: str) -> tuple[str, ...]:
    return tuple(REQ + path for path in paths)


SENSING_CORE = ConformanceClass(
    "Sensing Core",
    _req(
        "datamodel",
        "datamodel/entity-control-information/common-control-information",
        *(f"datamodel/{entity}/{aspect}" for entity in CORE_ENTITIES for aspect in ("properties", "relations")),
        "resource-path/resource-path-to-entities",
    ),
)
FILTERING = ConformanceClass(
    "Filtering Extension",
    _req(
        "request-data",
        "request-data/status-code",
        "request-data/query-status-code",
        "request-data/order",
        "request-data/expand",
        "request-data/select",
        "request-data/orderby",
        "request-data/top",
        "request-data/skip",
        "request-data/count",
        "request-data/filter",
        "request-data/built-in-filter-operations",
        "request-data/built-in-query-functions",
        "request-data/pagination",
    ),
)
CREATE_UPDATE_DELETE = ConformanceClass(
    "Create-Update-Delete",
    _req(
        "create-update-delete",
        "create-update-delete/create-entity",
        "create-update-delete/link-to-existing-entities",
        "create-update-delete/deep-insert",
        "create-update-delete/deep-insert-status-code",
        "create-update-delete/update-entity",
        "create-update-delete/update-entity-put",
        "create-update-delete/update-entity-jsonpatch",
        "create-update-delete/delete-entity",
        "create-update-delete/historical-location-auto-creation",
    ),
)
BATCH = ConformanceClass("Batch Requests", _req("batch-request/batch-request"))
MULTI_DATASTREAM = ConformanceClass(
    "MultiDatastream",
    _req("multi-datastream", "multi-datastream/properties", "multi-datastream/relations", "multi-datastream/constraints"),
)
DATA_ARRAY = ConformanceClass("Data Array", _req("data-array/data-array"))
MQTT_CREATE = ConformanceClass("MQTT create", _req("create-observations-via-mqtt/observations-creation"), mqtt=True)
MQTT_RECEIVE = ConformanceClass("MQTT receive updates", _req("receive-updates-via-mqtt/receive-updates"), mqtt=True)

CLASSES = (SENSING_CORE, FILTERING, CREATE_UPDATE_DELETE, BATCH, MULTI_DATASTREAM, DATA_ARRAY, MQTT_CREATE, MQTT_RECEIVE)


def server_settings(mqtt_endpoints: tuple[str, ...] = ()) -> dict[str, Any]:
    """`serverSettings` of the service root: the conformance URIs and, with a broker, a settings
    object per MQTT class naming its endpoints (as in 18-088's example of the service root)."""
    conformance = [uri for cls in CLASSES if not cls.mqtt or mqtt_endpoints for uri in cls.uris]
    settings: dict[str, Any] = {"conformance": conformance}
    if mqtt_endpoints:
        for cls in CLASSES:
            if cls.mqtt:
                settings[cls.uris[0]] = {"endpoints": list(mqtt_endpoints)}
    return settings


def mqtt_endpoint(service_root: str, port: int) -> str:
    """The broker on `port` as clients reach it: on the host they reach this server by."""
    host = urlsplit(service_root).hostname or "localhost"
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"mqtt://{host}:{port}"
