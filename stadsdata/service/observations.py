"""The bulk observation path: `CreateObservations` with the dataArray format (OGC 18-088 §14.4).

Every row is validated before anything is stored; a bad row is a 400 naming its position and
nothing of the request is kept (no partial success that a client could miss)."""

from __future__ import annotations

from typing import Any

from stadsdata.errors import BadRequest
from stadsdata.model.entities import ENTITY_TYPES
from stadsdata.model.values import parse_instant, parse_interval, parse_time
from stadsdata.service.context import WriteContext
from stadsdata.service.sink import Reading, store_readings
from stadsdata.service.values import entity_id

COMPONENTS = frozenset(
    {"phenomenonTime", "result", "resultTime", "resultQuality", "validTime", "parameters", "FeatureOfInterest/id"}
)
# The components `_reading` reads, in the order of its `positions` argument.
_ROW_COMPONENTS = ("phenomenonTime", "result", "resultTime", "resultQuality", "validTime", "parameters")


def create_observations(ctx: WriteContext, body: Any) -> list[int]:
    """Insert every observation of a dataArray document through the observation sink; returns
    their ids in order."""
    if not isinstance(body, list):
        raise BadRequest("CreateObservations needs a JSON array of dataArray documents", field="body")
    readings: list[Reading] = []
    for index, document in enumerate(body):
        readings.extend(_document_readings(ctx, document, field=f"[{index}]"))
    return store_readings(ctx, readings, streams_checked=True).ids


def _document_readings(ctx: WriteContext, document: Any, *, field: str) -> list[Reading]:
    if not isinstance(document, dict):
        raise BadRequest(f"{field} must be a JSON object", field=field)
    stream, stream_id = _stream(ctx, document, field)
    components = document.get("components")
    if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
        raise BadRequest(f"{field}/components must be an array of names", field=f"{field}/components")
    unknown = [c for c in components if c not in COMPONENTS]
    if unknown:
        raise BadRequest(f"unknown component '{unknown[0]}'", field=f"{field}/components")
    if "result" not in components:
        raise BadRequest("components must include 'result'", field=f"{field}/components")
    data = document.get("dataArray")
    if not isinstance(data, list):
        raise BadRequest(f"{field}/dataArray must be an array", field=f"{field}/dataArray")
    index = {name: i for i, name in enumerate(components)}
    # Looked up once per document, not per row (this loop runs once per observation).
    positions = tuple(index.get(name) for name in _ROW_COMPONENTS)
    feature_position = index.get("FeatureOfInterest/id")
    streams = (stream_id, None) if stream == "Datastream" else (None, stream_id)
    size = len(components)
    readings = []
    for n, values in enumerate(data):
        row_field = f"{field}/dataArray[{n}]"
        if not isinstance(values, list) or len(values) != size:
            raise BadRequest(f"{row_field} must be an array of {size} values", field=row_field)
        feature = None
        if feature_position is not None and values[feature_position] is not None:
            feature = entity_id(values[feature_position], field=f"{row_field}/FeatureOfInterest/id")
        readings.append(_reading(ctx, streams, values, positions, feature, row_field))
    return readings


def _stream(ctx: WriteContext, document: dict[str, Any], field: str) -> tuple[str, int]:
    if document.get("Datastream") is not None and document.get("MultiDatastream") is not None:
        raise BadRequest("a dataArray document is for a Datastream or a MultiDatastream, not both", field=f"{field}/MultiDatastream")
    for stream in ("Datastream", "MultiDatastream"):
        link = document.get(stream)
        if link is not None:
            if not isinstance(link, dict) or "@iot.id" not in link:
                raise BadRequest(f"{stream} must be {{\"@iot.id\": …}}", field=f"{field}/{stream}")
            stream_id = entity_id(link["@iot.id"], field=f"{field}/{stream}/@iot.id")
            ctx.require_exists(ENTITY_TYPES[stream], stream_id, field=f"{field}/{stream}")
            ctx.guard_stream(stream, stream_id, field=f"{field}/{stream}")
            return stream, stream_id
    raise BadRequest("each dataArray document needs a Datastream or MultiDatastream", field=f"{field}/Datastream")


def _reading(
    ctx: WriteContext,
    streams: tuple[int | None, int | None],
    values: list[Any],
    positions: tuple[int | None, ...],
    feature: int | None,
    field: str,
) -> Reading:
    p_phenomenon, p_result, p_result_time, p_quality, p_valid, p_parameters = positions
    phenomenon = None if p_phenomenon is None else values[p_phenomenon]
    result_time = None if p_result_time is None else values[p_result_time]
    valid = None if p_valid is None else values[p_valid]
    return Reading(  # positional, in the order of Reading's fields: this runs once per observation
        ctx.now if phenomenon is None else parse_time(phenomenon, field=f"{field}/phenomenonTime"),
        values[p_result],  # type: ignore[index]  # 'result' is a required component
        streams[0],
        streams[1],
        None if p_parameters is None else values[p_parameters],
        None if result_time is None else parse_instant(result_time, field=f"{field}/resultTime"),
        None if p_quality is None else values[p_quality],
        None if valid is None else parse_interval(valid, field=f"{field}/validTime"),
        feature,
        None,
        field,
    )
