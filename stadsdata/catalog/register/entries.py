"""A register document — what an owner registers, in the API's lowerCamelCase names — checked
and turned into the values that are stored. Every refusal is a 400 naming the field as the client
wrote it (`geometry.coordinates`, `activeUntil`, `sensors.0.documentationUrl`).

The checks: required members present; the type and themes from their lists; the geometry a GeoJSON
Point, Polygon or MultiPolygon with longitudes in -180…180 and latitudes in -90…90 (a polygon also
valid as a shape); `activeUntil` not before `activeFrom`; URLs absolute http(s); an e-mail address
that looks like one; personal data asks for a legal ground and a privacy statement; open data
must be public. What needs the store (the owner party, the linked Datastreams and Thing) is
checked by `register.py`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import shapely
from shapely.geometry import shape

from stadsdata.catalog.register.vocabulary import TYPES
from stadsdata.catalog.vocabularies import theme
from stadsdata.errors import BadRequest

GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")
MAX_SENSORS = 50
MAX_LINKS = 200  # Datastreams per sensor
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SensorValues:
    name: str
    description: str
    type: str | None
    manufacturer: str | None
    supplier: str | None
    documentation_url: str | None
    observes: tuple[str, ...]
    datastream_ids: tuple[int, ...]

    def row(self, device_id: int) -> dict[str, Any]:
        return {
            "device_id": device_id, "name": self.name, "description": self.description, "type": self.type,
            "manufacturer": self.manufacturer, "supplier": self.supplier, "documentation_url": self.documentation_url,
            "observes": list(self.observes), "datastream_ids": list(self.datastream_ids),
        }  # fmt: skip


@dataclass(frozen=True)
class DeviceValues:
    """A checked register document (the owner party and the links still to be checked)."""

    name: str
    description: str
    type: str
    owner_party_id: int | None
    contact: dict[str, str]  # name, email, phone: those given
    geometry: dict[str, Any]
    bbox: tuple[float, float, float, float]
    location_description: str
    mobile: bool
    themes: tuple[str, ...]
    purpose: str
    legal_ground: str | None
    legal_ground_url: str | None
    privacy_statement_url: str | None
    personal_data: bool
    is_public: bool
    is_open_data: bool
    active_from: date | None
    active_until: date | None
    thing_id: int | None
    sensors: tuple[SensorValues, ...]

    def row(self) -> dict[str, Any]:
        """The columns of `register_devices` these values fill (not the review or the times)."""
        return {
            "name": self.name, "description": self.description, "type": self.type, "owner_party_id": self.owner_party_id,
            "contact_name": self.contact.get("name"), "contact_email": self.contact.get("email"),
            "contact_phone": self.contact.get("phone"), "geometry": self.geometry,
            "bbox_minx": self.bbox[0], "bbox_miny": self.bbox[1], "bbox_maxx": self.bbox[2], "bbox_maxy": self.bbox[3],
            "location_description": self.location_description, "mobile": self.mobile, "themes": list(self.themes),
            "purpose": self.purpose, "legal_ground": self.legal_ground, "legal_ground_url": self.legal_ground_url,
            "privacy_statement_url": self.privacy_statement_url, "personal_data": self.personal_data,
            "is_public": self.is_public, "is_open_data": self.is_open_data,
            "active_from": _iso(self.active_from), "active_until": _iso(self.active_until), "thing_id": self.thing_id,
        }  # fmt: skip

    def datastream_ids(self) -> set[int]:
        return {i for s in self.sensors for i in s.datastream_ids}


def check_document(document: Mapping[str, Any]) -> DeviceValues:
    """The document's values, checked (see the module's docstring); BadRequest naming the field."""
    doc = _Document(document)
    personal = doc.boolean("personalData", required=True)
    is_public = doc.boolean("isPublic", default=True)
    is_open = doc.boolean("isOpenData", default=False)
    legal_ground = doc.text("legalGround", max_length=2000)
    privacy_url = doc.url("privacyStatementUrl")
    if personal and not legal_ground:
        raise BadRequest("a device that processes personal data needs its legal ground", field="legalGround")
    if personal and not privacy_url:
        raise BadRequest("a device that processes personal data needs the URL of its privacy statement", field="privacyStatementUrl")
    if is_open and not is_public:
        raise BadRequest("open data must be public: isOpenData needs isPublic", field="isOpenData")
    active_from, active_until = doc.day("activeFrom"), doc.day("activeUntil")
    if active_from and active_until and active_until < active_from:
        raise BadRequest(f"activeUntil ({active_until}) is before activeFrom ({active_from})", field="activeUntil")
    geometry, bbox = check_geometry(document.get("geometry"))
    return DeviceValues(
        name=doc.text("name", required=True, max_length=200) or "", description=doc.text("description", max_length=5000) or "",
        type=doc.choice("type", TYPES), owner_party_id=doc.identifier("ownerPartyId"), contact=_contact(document.get("contact")),
        geometry=geometry, bbox=bbox, location_description=doc.text("locationDescription", max_length=1000) or "",
        mobile=doc.boolean("mobile", default=False), themes=_themes(document.get("themes")),
        purpose=doc.text("purpose", required=True, max_length=5000) or "", legal_ground=legal_ground,
        legal_ground_url=doc.url("legalGroundUrl"), privacy_statement_url=privacy_url, personal_data=personal,
        is_public=is_public, is_open_data=is_open, active_from=active_from, active_until=active_until,
        thing_id=doc.identifier("thingId"), sensors=_sensors(document.get("sensors")),
    )  # fmt: skip


def check_geometry(value: Any, field: str = "geometry") -> tuple[dict[str, Any], tuple[float, float, float, float]]:
    """A GeoJSON Point, Polygon or MultiPolygon in WGS84 (longitude, latitude), and its bounding box."""
    if not isinstance(value, dict) or value.get("type") not in GEOMETRY_TYPES:
        raise BadRequest(f"{field} must be a GeoJSON {', '.join(GEOMETRY_TYPES)} (longitude, latitude in WGS84)", field=field)
    kind, coordinates = value["type"], value.get("coordinates")
    depth = {"Point": 0, "Polygon": 2, "MultiPolygon": 3}[kind]
    for position in _positions(coordinates, depth, f"{field}.coordinates"):
        _check_position(position, f"{field}.coordinates")
    for ring in _positions(coordinates, depth - 1, f"{field}.coordinates") if depth else ():
        if len(ring) < 4 or ring[0] != ring[-1]:
            raise BadRequest(f"{field}: a ring is closed (its last position is its first) and has at least 4 positions",
                             field=f"{field}.coordinates")  # fmt: skip
    try:
        geometry = shape({"type": kind, "coordinates": coordinates})
    except (ValueError, TypeError, IndexError, shapely.errors.ShapelyError) as exc:
        raise BadRequest(f"{field} is not a valid {kind}: {exc}", field=f"{field}.coordinates") from None
    if geometry.is_empty or not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry) if not geometry.is_empty else "it is empty"
        raise BadRequest(f"{field} is not a valid {kind}: {reason}", field=f"{field}.coordinates")
    return {"type": kind, "coordinates": coordinates}, tuple(geometry.bounds)  # type: ignore[return-value]


def _positions(value: Any, depth: int, field: str) -> list[Any]:
    """The positions of nested coordinate arrays `depth` levels deep."""
    if depth == 0:
        return [value]
    if not isinstance(value, list) or not value:
        raise BadRequest(f"{field} must be a non-empty array of {'positions' if depth == 1 else 'arrays'}", field=field)
    return [p for item in value for p in _positions(item, depth - 1, field)]


def _check_position(position: Any, field: str) -> None:
    if not isinstance(position, list) or len(position) not in (2, 3) or not all(_is_number(n) for n in position):
        raise BadRequest(f"{field}: a position is [longitude, latitude] (numbers), got {str(position)[:80]}", field=field)
    lon, lat = position[0], position[1]
    if not -180 <= lon <= 180:
        raise BadRequest(f"{field}: longitude {lon} is outside -180…180", field=field)
    if not -90 <= lat <= 90:
        raise BadRequest(f"{field}: latitude {lat} is outside -90…90", field=field)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value and abs(value) != float("inf")


def _themes(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise BadRequest("themes must name at least one theme (EU data theme codes such as ENVI, TRAN)", field="themes")
    for index, code in enumerate(value):
        if not isinstance(code, str) or theme(code) is None:
            raise BadRequest(f"unknown theme {str(code)[:50]!r} (EU data theme codes such as ENVI, TRAN)", field=f"themes.{index}")
    return tuple(dict.fromkeys(value))


def _contact(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest("contact must be an object with name, email and phone", field="contact")
    doc = _Document(value, prefix="contact.")
    out = {"name": doc.text("name", max_length=200), "email": doc.text("email", max_length=320), "phone": doc.text("phone", max_length=40)}
    if out["email"] and not _EMAIL.match(out["email"]):
        raise BadRequest(f"contact.email {out['email'][:80]!r} is not an e-mail address", field="contact.email")
    return {k: v for k, v in out.items() if v}


def _sensors(value: Any) -> tuple[SensorValues, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_SENSORS:
        raise BadRequest(f"sensors must be an array of at most {MAX_SENSORS} sensors", field="sensors")
    out = []
    for index, item in enumerate(value):
        prefix = f"sensors.{index}."
        if not isinstance(item, dict):
            raise BadRequest("a sensor is an object", field=prefix[:-1])
        doc = _Document(item, prefix=prefix)
        observes = item.get("observes") or []
        if not isinstance(observes, list) or not all(isinstance(o, str) and 0 < len(o) <= 200 for o in observes):
            raise BadRequest("observes is an array of names (text, at most 200 characters)", field=f"{prefix}observes")
        links = item.get("datastreamIds") or []
        if not isinstance(links, list) or len(links) > MAX_LINKS:
            raise BadRequest(f"datastreamIds is an array of at most {MAX_LINKS} Datastream ids", field=f"{prefix}datastreamIds")
        for n, link in enumerate(links):
            if not isinstance(link, int) or isinstance(link, bool) or not 0 <= link < 2**63:
                raise BadRequest("a Datastream id is a whole number", field=f"{prefix}datastreamIds.{n}")
        out.append(SensorValues(
            name=doc.text("name", required=True, max_length=200) or "", description=doc.text("description", max_length=2000) or "",
            type=doc.text("type", max_length=200), manufacturer=doc.text("manufacturer", max_length=200),
            supplier=doc.text("supplier", max_length=200), documentation_url=doc.url("documentationUrl"),
            observes=tuple(dict.fromkeys(o.strip() for o in observes if o.strip())), datastream_ids=tuple(dict.fromkeys(links)),
        ))  # fmt: skip
    return tuple(out)


class _Document:
    """Typed reads of one object's members; errors name `prefix` + the member."""

    def __init__(self, document: Mapping[str, Any], prefix: str = "") -> None:
        self.document, self.prefix = document, prefix

    def _value(self, name: str, required: bool) -> Any:
        value = self.document.get(name)
        if required and (value is None or value == ""):
            raise BadRequest(f"{self.prefix}{name} is required", field=f"{self.prefix}{name}")
        return value

    def text(self, name: str, *, required: bool = False, max_length: int) -> str | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > max_length:
            raise BadRequest(f"{self.prefix}{name} must be text of at most {max_length} characters", field=f"{self.prefix}{name}")
        value = value.strip()
        if required and not value:
            raise BadRequest(f"{self.prefix}{name} is required", field=f"{self.prefix}{name}")
        return value or None

    def boolean(self, name: str, *, required: bool = False, default: bool = False) -> bool:
        value = self._value(name, required)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise BadRequest(f"{self.prefix}{name} must be true or false", field=f"{self.prefix}{name}")
        return value

    def choice(self, name: str, choices: Mapping[str, Any]) -> str:
        value = self._value(name, True)
        if value not in choices:
            raise BadRequest(f"{self.prefix}{name} must be one of {', '.join(choices)}", field=f"{self.prefix}{name}")
        return str(value)

    def identifier(self, name: str) -> int | None:
        value = self._value(name, False)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63):
            raise BadRequest(f"{self.prefix}{name} must be an id (a whole number)", field=f"{self.prefix}{name}")
        return value

    def day(self, name: str) -> date | None:
        value = self._value(name, False)
        if value is None or isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise BadRequest(f"{self.prefix}{name} must be a date (YYYY-MM-DD)", field=f"{self.prefix}{name}") from None

    def url(self, name: str) -> str | None:
        value = self.text(name, max_length=2000)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
            raise BadRequest(f"{self.prefix}{name} must be an absolute http(s) URL, got {value[:80]!r}", field=f"{self.prefix}{name}")
        return value


def document_of(row: Mapping[str, Any], sensors: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A stored entry as the document it was registered as (to merge a change into)."""
    contact = {k: row[f"contact_{k}"] for k in ("name", "email", "phone") if row[f"contact_{k}"]}
    document = {
        "name": row["name"], "description": row["description"], "type": row["type"], "ownerPartyId": row["owner_party_id"],
        "contact": contact or None, "geometry": row["geometry"], "locationDescription": row["location_description"],
        "mobile": bool(row["mobile"]), "themes": list(row["themes"]), "purpose": row["purpose"], "legalGround": row["legal_ground"],
        "legalGroundUrl": row["legal_ground_url"], "privacyStatementUrl": row["privacy_statement_url"],
        "personalData": bool(row["personal_data"]), "isPublic": bool(row["is_public"]), "isOpenData": bool(row["is_open_data"]),
        "activeFrom": row["active_from"], "activeUntil": row["active_until"], "thingId": row["thing_id"],
        "sensors": [{
            "name": s["name"], "description": s["description"], "type": s["type"], "manufacturer": s["manufacturer"],
            "supplier": s["supplier"], "documentationUrl": s["documentation_url"], "observes": list(s["observes"]),
            "datastreamIds": list(s["datastream_ids"]),
        } for s in sensors],
    }  # fmt: skip
    return {k: v for k, v in document.items() if v is not None}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
