"""Sources whose messages are reports of devices (a LoRaWAN uplink, a meter's reading): the
source kind decodes a message into a `DeviceReport`, and the device mapping of that kind
(`/api/v1/lorawan-devices`: which Datastream each field of a device feeds) turns its fields into
readings. A field's idempotency key is the report's id at the source, so a redelivered or
replayed report stores no reading twice, and a replay after a field was mapped stores just that
field."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stadsdata.access.policy import Caller
from stadsdata.errors import BadRequest
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome
from stadsdata.service.sink import Reading

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceReport:
    """What a device reported, decoded: its fields at a time."""

    device: str  # the device's id at the source, normalised (e.g. TTS '<application>/<device>')
    report_id: str  # unique per report at the source (for idempotency)
    time: datetime
    fields: dict[str, Any]  # field name -> value
    parameters: dict[str, Any] = field(default_factory=dict)  # e.g. radio details, stored with each reading


Decode = Callable[[bytes], "DeviceReport | None"]  # None: a message of the source without readings


def ingest_report(
    ingestor: Ingestor, kind: str, decode: Decode, message: Message, caller: Caller, *, quarantined: int | None = None
) -> Outcome:
    """Store the readings of one report of a mapped device of source kind `kind`; quarantine what
    cannot be stored: a malformed message, an unknown device, fields without a Datastream (the
    mapped fields of the same report are stored)."""
    try:
        report = decode(message.payload)
    except BadRequest as exc:
        ingestor.refuse(message, exc.detail, exc.field, quarantined=quarantined)
        return Outcome.QUARANTINED
    except Exception as exc:  # noqa: BLE001 - a kind's decoder that breaks on a message: kept, not a 500
        log.exception("the %s decoder failed on a message on %s", kind, message.topic)
        reason = f"the {kind} decoder could not read the message ({type(exc).__name__}: {exc})"
        ingestor.refuse(message, reason, "body", quarantined=quarantined)
        return Outcome.QUARANTINED
    if report is None:
        return Outcome.NOT_DATA
    mapping = device_fields(ingestor, kind, report.device)
    if mapping is None:
        ingestor.refuse(message, f"unknown {kind} device {report.device!r}: map it first (POST /api/v1/lorawan-devices)", "device", quarantined=quarantined)
        return Outcome.QUARANTINED
    readings = [
        Reading(report.time, value, datastream_id=int(mapping[name]), parameters=report.parameters or None,
                key=f"{kind}:{report.report_id}:{name}", field=f"decoded.{name}")
        for name, value in report.fields.items()
        if name in mapping
    ]  # fmt: skip
    unmapped = sorted(set(report.fields) - set(mapping))
    names = ", ".join(unmapped)
    return ingestor.ingest_partly(
        message, caller, readings,
        unmapped=(f"fields without a Datastream on device {report.device!r}: {names} (the others are stored)", f"decoded.{unmapped[0]}") if unmapped else None,
        nothing=(f"no field of device {report.device!r} has a Datastream: {names}", "decoded"), quarantined=quarantined,
    )[0]  # fmt: skip


def device_fields(ingestor: Ingestor, kind: str, device: str) -> dict[str, int] | None:
    """The mapped fields of a device (field name -> Datastream id), None for an unknown device."""
    with ingestor.store.read_only() as tx:
        rows = tx.access.rows("lorawan_devices", {"network": kind, "device": device}, limit=1)
    return rows[0]["fields"] if rows else None
