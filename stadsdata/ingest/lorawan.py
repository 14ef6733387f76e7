"""LoRaWAN uplinks from network servers: The Things Stack v3 (webhook POST and its MQTT
integration, topic `v3/<app>@<tenant>/devices/<device>/up`) and ChirpStack v4 (`up` events:
HTTP integration `?event=up`, MQTT `application/<app>/device/<devEUI>/event/up`).

An uplink is decoded by the network server's payload formatter (TTS `decoded_payload`, ChirpStack
`object`); each decoded field of a mapped device becomes an Observation of the field's
Datastream (`devices.py`), at the time the network received the uplink, with the radio details
(frame counter, port, best gateway's RSSI/SNR) as parameters. The idempotency key per field is
the network's id of the uplink, so a redelivered or replayed uplink stores no reading twice, and
a replay after a field was mapped stores just that field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from stadsdata.access.policy import Caller
from stadsdata.errors import BadRequest
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome, Reading
from stadsdata.model.values import parse_instant


@dataclass(frozen=True)
class Uplink:
    network: str  # 'tts' or 'chirpstack'
    device: str  # TTS: '<application_id>/<device_id>'; ChirpStack: the DevEUI (lower case)
    uplink_id: str  # unique per uplink at the network (for idempotency)
    received_at: datetime
    fields: dict[str, Any]  # the decoded payload
    radio: dict[str, Any] = field(default_factory=dict)  # f_cnt, f_port, gateway, rssi, snr


def _json(payload: bytes) -> dict[str, Any]:
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the uplink is not valid JSON: {exc}", field="body") from None
    if not isinstance(document, dict):
        raise BadRequest("an uplink is a JSON object", field="body")
    return document


def _require(document: dict[str, Any], *path: str) -> Any:
    value: Any = document
    for i, key in enumerate(path):
        if not isinstance(value, dict) or value.get(key) in (None, ""):
            raise BadRequest(f"the uplink has no {'.'.join(path[: i + 1])}", field=".".join(path[: i + 1]))
        value = value[key]
    return value


def _member(value: Any, *path: str) -> Any:
    """value[path[0]][path[1]]…, or None where a step is not an object or has no such member."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _number(value: Any) -> float | int | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _best_gateway(rx: Any, *id_path: str) -> dict[str, Any]:
    """The gateway that heard the uplink best (highest RSSI) and how many heard it. Radio
    metadata is informative: members of the wrong type are left out, never an error."""
    gateways = [g for g in rx if isinstance(g, dict)] if isinstance(rx, list) else []
    if not gateways:
        return {}
    best = max(gateways, key=lambda g: _number(g.get("rssi")) or -1_000)
    gateway = _member(best, *id_path)
    out = {"gateway": gateway if isinstance(gateway, str) else None, "rssi": _number(best.get("rssi")),
           "snr": _number(best.get("snr")), "gateways": len(gateways)}  # fmt: skip
    return {k: v for k, v in out.items() if v is not None}


def _time(value: Any, field: str) -> datetime:
    if not isinstance(value, str) or not value:
        raise BadRequest("the uplink has no time (text, ISO 8601)", field=field)
    return parse_instant(value, field=field)


def parse_tts(payload: bytes) -> Uplink | None:
    """A The Things Stack v3 application message; None for other messages than uplinks (joins,
    downlink events), which carry no readings."""
    document = _json(payload)
    if "uplink_message" not in document:
        return None
    application = _require(document, "end_device_ids", "application_ids", "application_id")
    device = _require(document, "end_device_ids", "device_id")
    uplink = document["uplink_message"]
    decoded = uplink.get("decoded_payload") if isinstance(uplink, dict) else None
    if not isinstance(decoded, dict):
        raise BadRequest("the uplink has no decoded_payload (is a payload formatter set for the device?)", field="uplink_message.decoded_payload")
    received_text = uplink.get("received_at") or _require(document, "received_at")
    received = _time(received_text, "uplink_message.received_at")
    ids = document.get("correlation_ids")
    correlation = next((c for c in ids if isinstance(c, str) and c.startswith("as:up:")), None) if isinstance(ids, list) else None
    radio = {"f_cnt": _number(uplink.get("f_cnt", 0)), "f_port": _number(uplink.get("f_port"))}
    radio |= _best_gateway(uplink.get("rx_metadata"), "gateway_ids", "gateway_id")
    return Uplink(
        "tts", f"{application}/{device}", correlation or f"{application}/{device}/{received_text}", received, decoded,
        {k: v for k, v in radio.items() if v is not None},
    )  # fmt: skip


def parse_chirpstack(payload: bytes) -> Uplink:
    """A ChirpStack v4 `up` event."""
    document = _json(payload)
    dev_eui = str(_require(document, "deviceInfo", "devEui")).lower()
    uplink_id = _require(document, "deduplicationId")
    decoded = document.get("object")
    if not isinstance(decoded, dict):
        raise BadRequest("the uplink has no decoded object (is a codec set in the device profile?)", field="object")
    rx = document.get("rxInfo")
    received = _time(document.get("time") or _member(rx[0] if isinstance(rx, list) and rx else None, "nsTime"), "time")
    radio = {"f_cnt": _number(document.get("fCnt", 0)), "f_port": _number(document.get("fPort"))}
    radio |= _best_gateway(rx, "gatewayId")
    return Uplink("chirpstack", dev_eui, str(uplink_id), received, decoded, {k: v for k, v in radio.items() if v is not None})


PARSERS = {"tts": parse_tts, "chirpstack": parse_chirpstack}


def ingest_uplink(ingestor: Ingestor, network: str, message: Message, caller: Caller, *, quarantined: int | None = None) -> Outcome:
    """Store the readings of one uplink of a mapped device; quarantine what cannot be stored: a
    malformed uplink, an unknown device, fields without a Datastream (the mapped fields of the
    same uplink are stored; a replay after mapping the rest stores just those)."""
    try:
        uplink = PARSERS[network](message.payload)
    except BadRequest as exc:
        ingestor.refuse(message, exc.detail, exc.field, quarantined=quarantined)
        return Outcome.QUARANTINED
    if uplink is None:
        return Outcome.NOT_DATA
    with ingestor.store.read_only() as tx:
        rows = tx.access.rows("lorawan_devices", {"network": network, "device": uplink.device}, limit=1)
    if not rows:
        ingestor.refuse(message, f"unknown {network} device {uplink.device!r}: map it first (POST /api/v1/lorawan-devices)", "device", quarantined=quarantined)
        return Outcome.QUARANTINED
    mapping: dict[str, int] = rows[0]["fields"]
    readings = [
        Reading(uplink.received_at, value, datastream_id=int(mapping[name]), parameters=uplink.radio or None,
                key=f"{network}:{uplink.uplink_id}:{name}", field=f"decoded.{name}")
        for name, value in uplink.fields.items()
        if name in mapping
    ]  # fmt: skip
    unmapped = sorted(set(uplink.fields) - set(mapping))
    outcome = ingestor.ingest_readings(message, caller, readings, quarantined=quarantined) if readings else Outcome.QUARANTINED
    if unmapped and outcome is not Outcome.QUARANTINED:
        ingestor.refuse(
            message, f"fields without a Datastream on device {uplink.device!r}: {', '.join(unmapped)} (the others are stored)",
            f"decoded.{unmapped[0]}", quarantined=quarantined,
        )  # fmt: skip
        return Outcome.QUARANTINED
    if not readings:
        ingestor.refuse(message, f"no field of device {uplink.device!r} has a Datastream: {', '.join(unmapped)}", "decoded", quarantined=quarantined)
    return outcome
