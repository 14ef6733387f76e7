"""A register entry as JSON (the management API's `/api/v1/register/devices` and the web UI's
register page, which is drawn from it): lowerCamelCase, times in ISO 8601 UTC, dates as
YYYY-MM-DD, codes with their labels, HAL `_links` to the entry and to the SensorThings entities
linked to it (only those the caller may read: `devices.py`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from stadsdata.catalog.register.devices import Device, LinkedStream, Sensor
from stadsdata.catalog.register.vocabulary import STATUSES, TYPES
from stadsdata.catalog.vocabularies import theme

PATH = "/api/v1/register/devices"


def iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return moment.isoformat()


def device_view(device: Device, base_url: str) -> dict[str, Any]:
    kind = TYPES[device.type]
    nl, en = STATUSES[device.review.status]
    owner = device.owner
    links: dict[str, Any] = {"self": {"href": f"{base_url}{PATH}/{device.id}"}}
    if device.thing_id is not None:
        links["thing"] = {"href": f"{base_url}/v1.1/Things({device.thing_id})"}
    return {
        "id": device.id, "name": device.name, "description": device.description,
        "type": {"code": device.type, "nl": kind.nl, "en": kind.en}, "category": kind.sensrnet_category,
        "owner": {"id": owner.id, "name": owner.name, "kind": owner.kind, "uri": owner.uri},
        "contact": device.contact, "geometry": device.geometry, "bbox": list(device.bbox), "generalised": device.generalised,
        "locationDescription": device.location_description, "mobile": device.mobile,
        "themes": [{"code": code, "uri": t.uri, "nl": t.nl, "en": t.en} for code in device.themes if (t := theme(code))],
        "observes": list(device.observes), "purpose": device.purpose, "legalGround": device.legal_ground,
        "legalGroundUrl": device.legal_ground_url, "privacyStatementUrl": device.privacy_statement_url,
        "personalData": device.personal_data, "isPublic": device.is_public, "isOpenData": device.is_open_data,
        "activeFrom": iso(device.active_from), "activeUntil": iso(device.active_until), "active": device.active,
        "thingId": device.thing_id,
        "status": device.review.status, "statusLabel": {"nl": nl, "en": en},
        "review": {"note": device.review.note, "by": device.review.by, "at": iso(device.review.at)} if device.owned else None,
        "created": iso(device.created_at), "modified": iso(device.updated_at),
        "createdBy": device.created_by, "modifiedBy": device.updated_by, "managed": device.managed,
        "sensors": [_sensor(s, base_url) for s in device.sensors], "_links": links,
    }  # fmt: skip


def _sensor(sensor: Sensor, base_url: str) -> dict[str, Any]:
    return {
        "id": sensor.id, "name": sensor.name, "description": sensor.description, "type": sensor.type,
        "manufacturer": sensor.manufacturer, "supplier": sensor.supplier, "documentationUrl": sensor.documentation_url,
        "observes": list(sensor.observes), "datastreams": [stream_view(d, base_url) for d in sensor.datastreams],
    }  # fmt: skip


def stream_view(stream: LinkedStream, base_url: str) -> dict[str, Any]:
    return {
        "id": stream.id, "name": stream.name, "observedProperty": stream.observed_property, "unitOfMeasurement": stream.unit,
        "_links": {"self": {"href": f"{base_url}/v1.1/Datastreams({stream.id})"}},
    }  # fmt: skip
