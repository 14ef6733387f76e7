"""A The Things Stack v3 application message → a device report. The network server's payload
formatter has decoded the payload (`decoded_payload`); the report's time is when the network
received the uplink, its id the uplink's `as:up:` correlation id, and its parameters the frame
counter, port and the best gateway's RSSI/SNR."""

from __future__ import annotations

from stadsdata.errors import BadRequest
from stadsdata.ingest.devices import DeviceReport
from stadsdata.sources.documents import instant, json_object, required
from stadsdata.sources.lorawan import best_gateway, radio


def decode_uplink(payload: bytes) -> DeviceReport | None:
    """None for other messages than uplinks (joins, downlink events): they carry no readings."""
    document = json_object(payload, "uplink")
    if "uplink_message" not in document:
        return None
    application = required(document, "end_device_ids", "application_ids", "application_id", what="uplink")
    device = required(document, "end_device_ids", "device_id", what="uplink")
    uplink = document["uplink_message"]
    decoded = uplink.get("decoded_payload") if isinstance(uplink, dict) else None
    if not isinstance(decoded, dict):
        raise BadRequest("the uplink has no decoded_payload (is a payload formatter set for the device?)", field="uplink_message.decoded_payload")
    received_text = uplink.get("received_at") or required(document, "received_at", what="uplink")
    received = instant(received_text, "uplink_message.received_at", "uplink")
    ids = document.get("correlation_ids")
    correlation = next((c for c in ids if isinstance(c, str) and c.startswith("as:up:")), None) if isinstance(ids, list) else None
    parameters = radio(uplink.get("f_cnt", 0), uplink.get("f_port"), best_gateway(uplink.get("rx_metadata"), "gateway_ids", "gateway_id"))
    return DeviceReport(f"{application}/{device}", correlation or f"{application}/{device}/{received_text}", received, decoded, parameters)
