"""Attributes as a client sends them (clause 4.5: normalized or concise), checked and brought
to the normalized form; and an entity's id, type and attribute names checked."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from stadsdata.api.ngsild.errors import BadRequestData, OperationNotSupported
from stadsdata.api.ngsild.geo import GEOMETRIES

ATTRIBUTE_TYPES = (
    "Property",
    "GeoProperty",
    "Relationship",
    "LanguageProperty",
    "JsonProperty",
    "VocabProperty",
    "ListProperty",
)
RESERVED = {"@context", "createdAt", "modifiedAt", "deletedAt", "observedAt", "scope"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-:]*$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")


def entity_id(value: Any, field: str = "id") -> str:
    if not isinstance(value, str) or not _URI.match(value) or len(value) > 512:
        raise BadRequestData("an entity id is a URI (e.g. urn:ngsi-ld:AirQualityObserved:1)", field=field)
    return value


def entity_type(value: Any, field: str = "type") -> str:
    if isinstance(value, list):
        raise OperationNotSupported("entities with more than one type are not supported here", field=field)
    if not isinstance(value, str) or not _NAME.match(value):
        raise BadRequestData("an entity type is a name (e.g. AirQualityObserved)", field=field)
    return value


def attribute_name(name: str) -> str:
    if name in RESERVED or name in ("id", "type") or not _NAME.match(name) or len(name) > 256:
        raise BadRequestData(f"{name!r} is not a valid attribute name", field=name)
    return name


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_geometry(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") in GEOMETRIES and isinstance(value.get("coordinates"), list)


def date_time(value: Any, field: str, label: str) -> datetime:
    """An NGSI-LD DateTime with a time zone; BadRequestData naming `field` (said as `label`) otherwise."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment
    raise BadRequestData(f"{label} is a DateTime with a time zone (e.g. 2026-05-01T10:00:00Z)", field=field)


def observed_at(value: Any, field: str) -> datetime:
    return date_time(value, field, "observedAt")


def normalize(name: str, attribute: Any) -> dict[str, Any]:
    """One attribute in the normalized form, checked."""
    if name == "scope":
        raise OperationNotSupported("an entity's scope (clause 4.18) is not supported here", field=name)
    attribute_name(name)
    if isinstance(attribute, list):
        raise OperationNotSupported(
            "multi-attributes (several instances by datasetId) are not supported in writes", field=name
        )
    if is_geometry(attribute):
        attribute = {"type": "GeoProperty", "value": attribute}
    elif not isinstance(attribute, dict):
        attribute = {"type": "Property", "value": attribute}
    elif "type" not in attribute:
        if "object" in attribute:
            attribute = {"type": "Relationship", **attribute}
        elif "value" in attribute:
            kind = "GeoProperty" if is_geometry(attribute["value"]) else "Property"
            attribute = {"type": kind, **attribute}
        else:
            attribute = {"type": "Property", "value": attribute}  # a JSON object as a concise value
    _check(name, attribute)
    return attribute


def _check(name: str, attribute: dict[str, Any]) -> None:
    kind = attribute.get("type")
    if kind not in ATTRIBUTE_TYPES:
        raise BadRequestData(f"attribute type must be one of {', '.join(ATTRIBUTE_TYPES)}", field=f"{name}.type")
    if kind == "Relationship":
        entity_id(attribute.get("object"), field=f"{name}.object")
    elif "value" not in attribute and not any(k in attribute for k in ("languageMap", "json", "vocab", "valueList")):
        raise BadRequestData(f"a {kind} needs a value", field=f"{name}.value")
    if kind == "GeoProperty" and not is_geometry(attribute.get("value")):
        raise BadRequestData("a GeoProperty's value is a GeoJSON geometry", field=f"{name}.value")
    if kind == "Property" and attribute.get("value") is None:
        raise BadRequestData("a Property's value is not null", field=f"{name}.value")
    if "observedAt" in attribute:
        observed_at(attribute["observedAt"], f"{name}.observedAt")
    if "unitCode" in attribute and not (
        isinstance(attribute["unitCode"], str) and re.fullmatch(r"[A-Z0-9]{2,3}", attribute["unitCode"])
    ):
        raise BadRequestData("unitCode is a UN/CEFACT common code (e.g. GQ, CEL)", field=f"{name}.unitCode")


def split_entity(body: Any, *, field: str = "") -> tuple[str, str, dict[str, dict[str, Any]]]:
    """(id, type, the normalized attributes) of an entity in a request body."""
    prefix = f"{field}/" if field else ""
    if not isinstance(body, dict):
        raise BadRequestData("an entity is a JSON object", field=field or "body")
    if "id" not in body:
        raise BadRequestData("an entity needs an id", field=f"{prefix}id")
    if "type" not in body:
        raise BadRequestData("an entity needs a type", field=f"{prefix}type")
    attributes = {}
    for name, attribute in body.items():
        if name in ("id", "type", "@context"):
            continue
        try:
            attributes[name] = normalize(name, attribute)
        except BadRequestData as exc:
            exc.field = f"{prefix}{exc.field}"
            raise
    return entity_id(body["id"], f"{prefix}id"), entity_type(body["type"], f"{prefix}type"), attributes
