"""Validation of entity bodies: JSON from a client into domain values, with 400s naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stadsdata.errors import BadRequest
from stadsdata.geo.geojson import to_shape
from stadsdata.model.entities import EntityType, Kind, Prop
from stadsdata.model.values import format_time, parse_instant, parse_interval, parse_time

# Keys clients may echo back from our own output; they carry no data.
CONTROL_KEYS = frozenset({"@iot.id", "@iot.selfLink", "id"})


def is_control_key(key: str) -> bool:
    return key in CONTROL_KEYS or key.endswith("@iot.navigationLink") or key.endswith("@iot.count") or key.endswith(
        "@iot.nextLink"
    )


def parse_value(prop: Prop, value: Any, *, field: str) -> Any:
    """Validate one property value and convert it to its domain form."""
    if value is None:
        if not prop.nullable:
            raise BadRequest(f"{field} must not be null", field=field)
        return None
    shape = _JSON_SHAPES.get(prop.kind)
    if shape is not None:
        json_type, called = shape
        if not isinstance(value, json_type):
            raise BadRequest(f"{field} must be {called}", field=field)
        return value
    parse = _PARSERS.get(prop.kind)
    return value if parse is None else parse(value, field=field)  # Kind.ANY: any JSON value as it is


def _geometry(value: Any, *, field: str) -> Any:
    """GeoJSON, kept as it is once it is known to be a valid geometry."""
    to_shape(value, field=field)
    return value


# Kinds whose value is kept as it is once it has the JSON type: (that type, what a 400 calls it).
_JSON_SHAPES: dict[Kind, tuple[type, str]] = {
    Kind.TEXT: (str, "a string"),
    Kind.JSON: (dict, "a JSON object"),
    Kind.JSON_LIST: (list, "a JSON array"),
}
# Kinds whose value is parsed into its domain form (a 400 naming the field when it is not one).
_PARSERS: dict[Kind, Callable[..., Any]] = {
    Kind.INSTANT: parse_instant,
    Kind.TIME: parse_time,
    Kind.INTERVAL: parse_interval,
    Kind.GEOMETRY: _geometry,
}


def split_body(entity: EntityType, body: Any, *, field: str, version: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(property values, navigation values) of an entity body; unknown keys are a 400."""
    if not isinstance(body, dict):
        raise BadRequest(f"{field or entity.name} must be a JSON object", field=field or None)
    props: dict[str, Any] = {}
    navs: dict[str, Any] = {}
    for key, value in body.items():
        if is_control_key(key):
            continue
        name = f"{field}/{key}" if field else key
        nav = entity.nav(key)
        if nav is not None:
            navs[key] = value
            continue
        prop = entity.prop(key)
        if prop is None or prop.since > version:
            raise BadRequest(f"{entity.name} has no property '{key}'", field=name)
        if prop.read_only:
            continue  # computed by the server (observedArea, phenomenonTime, resultTime of streams)
        props[key] = parse_value(prop, value, field=name)
    return props, navs


def require(entity: EntityType, props: dict[str, Any], *, field: str, version: str) -> None:
    for prop in entity.props_for(version):
        if prop.required and not prop.read_only and prop.name not in props:
            name = f"{field}/{prop.name}" if field else prop.name
            raise BadRequest(f"{entity.name} needs '{prop.name}'", field=name)


def entity_id(value: Any, *, field: str) -> int:
    """An `@iot.id` as an integer id."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadRequest(f"{field} must be an integer id", field=field)
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{field}: '{value}' is not an id of this service", field=field) from None
    if not -(2**63) <= number < 2**63:  # beyond any stored id (and the database's integers)
        raise BadRequest(f"{field}: '{value}' is not an id of this service", field=field)
    return number


def format_value(prop: Prop, value: Any) -> Any:
    """A domain value as JSON (the inverse of `parse_value`)."""
    if value is None:
        return None
    if prop.kind in (Kind.INSTANT, Kind.TIME, Kind.INTERVAL):
        return format_time(value)
    return value
