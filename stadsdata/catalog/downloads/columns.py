"""The columns of a download's rows, the same in CSV and Parquet (and the properties of GeoJSON's
Features): one row per Observation, with what a reader needs to use it without looking anything
up — its stream's name, ObservedProperty, unit and place. Times are RFC 3339 in UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

# name, Frictionless Data type (datapackage.json), description
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("observation_id", "integer", "the Observation's id (SensorThings: /v1.1/Observations(id))"),
    ("datastream_id", "integer", "its Datastream's id (empty for an Observation of a MultiDatastream)"),
    ("multi_datastream_id", "integer", "its MultiDatastream's id (empty for an Observation of a Datastream)"),
    ("datastream", "string", "the (Multi)Datastream's name"),
    ("observed_property", "string", "what is observed (a MultiDatastream: a JSON array, in the order of its results)"),
    ("unit", "string", "the unit's symbol, or its name (a MultiDatastream: a JSON array)"),
    ("longitude", "number", "WGS84 longitude of the Thing's Location (its centroid when it is not a point)"),
    ("latitude", "number", "WGS84 latitude of the Thing's Location"),
    ("phenomenon_time", "datetime", "when the observation was made (the start, when it covers an interval)"),
    ("phenomenon_time_end", "datetime", "the end of that interval (empty for an instant)"),
    ("result_time", "datetime", "when the result was produced, where known"),
    ("result", "any", "the result: a number, text, true/false, or JSON (a MultiDatastream's array)"),
)
NAMES = tuple(name for name, _, _ in COLUMNS)


def iso(moment: datetime) -> str:
    """An aware UTC datetime as RFC 3339 ('2026-05-01T10:00:00Z'); the store gives UTC times."""
    return moment.isoformat()[:-6] + "Z"


def result_text(value: Any) -> Any:
    """A result as CSV writes it: numbers and text as they are, booleans as true/false, other
    JSON (arrays, objects) as JSON text, no result as empty."""
    kind = type(value)
    if kind is float or kind is int or kind is str:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    return orjson.dumps(value).decode()
