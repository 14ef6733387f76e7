"""Conversion between domain records (entity property names, domain values) and table rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from stadsdata.geo.geojson import bbox, to_shape
from stadsdata.model.entities import EntityType, Kind
from stadsdata.model.values import Interval
from stadsdata.store.schema import (
    COLUMN_NAMES,
    JOINS,
    RESULT_BOOL,
    RESULT_FLOAT,
    RESULT_INT,
    RESULT_JSON,
    RESULT_NULL,
    RESULT_STRING,
)

# Properties stored in more than one column, per entity type.
_SPLIT_TIME = {
    ("Observation", "phenomenonTime"): ("phenomenon_time_start", "phenomenon_time_end"),
    ("Observation", "validTime"): ("valid_time_start", "valid_time_end"),
    ("Datastream", "phenomenonTime"): ("phenomenon_time_start", "phenomenon_time_end"),
    ("Datastream", "resultTime"): ("result_time_start", "result_time_end"),
    ("MultiDatastream", "phenomenonTime"): ("phenomenon_time_start", "phenomenon_time_end"),
    ("MultiDatastream", "resultTime"): ("result_time_start", "result_time_end"),
}
_MAX_EXACT_INT = 2**53
# entity name -> [(to-one navigation property, foreign key column)]
_FK_HERE: dict[str, list[tuple[str, str]]] = {}
for (_source, _nav), _join in JOINS.items():
    if _join.kind == "fk_here":
        _FK_HERE.setdefault(_source, []).append((_nav, _join.column))


def column_name(entity: EntityType, prop: str) -> str:
    """The single column holding a property (for split properties: the first/start column)."""
    split = _SPLIT_TIME.get((entity.name, prop))
    if split:
        return split[0]
    if prop == "result":
        return "result_number"
    return COLUMN_NAMES.get(prop, prop)


def time_columns(entity: EntityType, prop: str) -> tuple[str, str] | None:
    return _SPLIT_TIME.get((entity.name, prop))


def encode_result(value: Any) -> tuple[int, float | None, str | None, Any]:
    """(result_type, result_number, result_string, result_json) for one result value."""
    if value is None:
        return RESULT_NULL, None, None, None
    if isinstance(value, bool):
        return RESULT_BOOL, None, None, value
    if isinstance(value, int):
        if abs(value) > _MAX_EXACT_INT:
            return RESULT_JSON, None, None, value
        return RESULT_INT, float(value), None, None
    if isinstance(value, float):
        return RESULT_FLOAT, value, None, None
    if isinstance(value, str):
        return RESULT_STRING, None, value, None
    return RESULT_JSON, None, None, value


def decode_result(kind: int, number: float | None, text: str | None, json_value: Any) -> Any:
    if kind == RESULT_INT:
        return int(number)  # type: ignore[arg-type]
    if kind == RESULT_FLOAT:
        return number
    if kind == RESULT_STRING:
        return text
    if kind in (RESULT_BOOL, RESULT_JSON):
        return json_value
    return None


def _area(row: Mapping[str, Any]) -> dict[str, Any] | None:
    return observed_area(*(row["area_" + n] for n in ("minx", "miny", "maxx", "maxy")))


def observed_area(minx: float | None, miny: float | None, maxx: float | None, maxy: float | None) -> dict[str, Any] | None:
    """A stream's observedArea from its bounding box columns (a Point when they meet)."""
    if minx is None:
        return None
    if minx == maxx and miny == maxy:
        return {"type": "Point", "coordinates": [minx, miny]}
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    return {"type": "Polygon", "coordinates": [ring]}


def _time_value(start: datetime | None, end: datetime | None, *, instant_if_equal: bool) -> Any:
    if start is None:
        return None
    if end is None or (instant_if_equal and start == end):
        return start
    return Interval(start, end)


def record_from_row(entity: EntityType, row: Mapping[str, Any]) -> dict[str, Any]:
    """A domain record (id + every property of the entity type) from a table row."""
    record: dict[str, Any] = {"id": row["id"]}
    links = _FK_HERE.get(entity.name)
    if links:
        record["@links"] = {nav: row[column] for nav, column in links}
    for prop in entity.props:
        split = _SPLIT_TIME.get((entity.name, prop.name))
        if split:
            record[prop.name] = _time_value(row[split[0]], row[split[1]], instant_if_equal=prop.kind == Kind.TIME)
        elif prop.name == "result":
            record["result"] = decode_result(
                row["result_type"], row["result_number"], row["result_string"], row["result_json"]
            )
        elif prop.name == "observedArea":
            record["observedArea"] = _area(row)
        else:
            record[prop.name] = row[COLUMN_NAMES.get(prop.name, prop.name)]
    return record


def row_from_values(entity: EntityType, values: Mapping[str, Any]) -> dict[str, Any]:
    """Table columns for the given property values and to-one navigation ids."""
    row: dict[str, Any] = {}
    for name, value in values.items():
        nav = entity.nav(name)
        if nav is not None:
            join = JOINS[(entity.name, name)]
            if join.kind != "fk_here":
                raise ValueError(f"{entity.name}.{name} is not a to-one link")
            row[join.column] = value
            continue
        split = _SPLIT_TIME.get((entity.name, name))
        if split:
            if value is None:
                row[split[0]] = row[split[1]] = None
            elif isinstance(value, Interval):
                row[split[0]], row[split[1]] = value.start, value.end
            else:
                row[split[0]] = row[split[1]] = value
        elif name == "result":
            row["result_type"], row["result_number"], row["result_string"], row["result_json"] = encode_result(value)
        elif name in ("location", "feature"):
            row[name] = value
            box = bbox(to_shape(value, field=name))
            row["bbox_minx"], row["bbox_miny"], row["bbox_maxx"], row["bbox_maxy"] = box or (None,) * 4
        else:
            row[COLUMN_NAMES.get(name, name)] = value
    return row
