"""The register as CSV: one row per entry, the columns of Amsterdam's register export and more
(owner, type, where — the point, or an area's centre with the area as GeoJSON —, what it
measures, purpose, legal ground, privacy statement, personal data, active period, status, the
Datastreams the caller may read). Lists are joined with '; '. A cell that a spreadsheet would
take for a formula (=, +, -, @ first) is prefixed with an apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import orjson
from shapely.geometry import shape

from stadsdata.catalog.register.devices import Device
from stadsdata.catalog.register.views import iso
from stadsdata.catalog.register.vocabulary import TYPES

COLUMNS = ("id", "name", "type", "category", "owner", "ownerKind", "contactName", "contactEmail", "contactPhone",
           "longitude", "latitude", "area", "locationDescription", "mobile", "themes", "observes", "purpose",
           "legalGround", "legalGroundUrl", "privacyStatementUrl", "personalData", "isPublic", "isOpenData",
           "activeFrom", "activeUntil", "status", "datastreams", "thingId", "modified")  # fmt: skip


def as_csv(devices: Iterable[Device]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for device in devices:
        writer.writerow([_cell(v) for v in _row(device)])
    return out.getvalue()


def _row(device: Device) -> list[Any]:
    centre = shape(device.geometry).centroid
    contact = device.contact or {}
    area = orjson.dumps(device.geometry).decode() if device.geometry["type"] != "Point" else ""
    return [
        device.id, device.name, device.type, TYPES[device.type].sensrnet_category, device.owner.name or "", device.owner.kind,
        contact.get("name", ""), contact.get("email", ""), contact.get("phone", ""), round(centre.x, 6), round(centre.y, 6), area,
        device.location_description, device.mobile, "; ".join(device.themes), "; ".join(device.observes), device.purpose,
        device.legal_ground or "", device.legal_ground_url or "", device.privacy_statement_url or "", device.personal_data,
        device.is_public, device.is_open_data, iso(device.active_from) or "", iso(device.active_until) or "", device.review.status,
        "; ".join(str(d.id) for d in device.datastreams), device.thing_id or "", iso(device.updated_at),
    ]  # fmt: skip


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
