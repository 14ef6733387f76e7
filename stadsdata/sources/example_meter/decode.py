"""{"meter": "m-17", "time": "2026-12-01T10:00:00Z", "kWh": 1234.5, "kW": 2.1} → a device report
of meter 'm-17' with the fields kWh and kW; the same meter at the same time is the same report."""

from __future__ import annotations

from stadsdata.errors import BadRequest
from stadsdata.ingest.devices import DeviceReport
from stadsdata.sources.documents import instant, json_object, number, required


def decode_reading(payload: bytes) -> DeviceReport:
    document = json_object(payload, "reading")
    meter = str(required(document, "meter", what="reading"))
    time = instant(document.get("time"), "time", "reading")
    fields = {name: value for name, value in document.items() if name not in ("meter", "time")}
    for name, value in fields.items():
        if number(value) is None:
            raise BadRequest(f"{name} is not a number", field=name)
    return DeviceReport(meter, f"{meter}/{document['time']}", time, fields)
