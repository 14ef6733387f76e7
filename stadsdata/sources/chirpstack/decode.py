"""A ChirpStack v4 `up` event → a device report. The device profile's codec has decoded the
payload (`object`); the report's id is the event's `deduplicationId`, its time the event's time
(or the first gateway's network time), its parameters the frame counter, port and the best
gateway's RSSI/SNR."""

from __future__ import annotations

from stadsdata.errors import BadRequest
from stadsdata.ingest.devices import DeviceReport
from stadsdata.sources.documents import instant, json_object, member, required
from stadsdata.sources.lorawan import best_gateway, radio


def decode_up_event(payload: bytes) -> DeviceReport:
    document = json_object(payload, "uplink")
    dev_eui = str(required(document, "deviceInfo", "devEui", what="uplink")).lower()
    uplink_id = required(document, "deduplicationId", what="uplink")
    decoded = document.get("object")
    if not isinstance(decoded, dict):
        raise BadRequest("the uplink has no decoded object (is a codec set in the device profile?)", field="object")
    rx = document.get("rxInfo")
    received = instant(document.get("time") or member(rx[0] if isinstance(rx, list) and rx else None, "nsTime"), "time", "uplink")
    parameters = radio(document.get("fCnt", 0), document.get("fPort"), best_gateway(rx, "gatewayId"))
    return DeviceReport(dev_eui, str(uplink_id), received, decoded, parameters)
