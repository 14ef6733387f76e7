"""The bulk observation path: `CreateObservations` with the dataArray format (OGC 18-088 §14.4).

Every row is validated before anything is stored; a bad row is a 400 naming its position and
nothing of the request is kept (no partial success that a client could miss)."""

from __future__ import annotations

from typing import Any

from stadsdata.errors import BadRequest
from stadsdata.model.entities import ENTITY_TYPES, FEATURE_OF_INTEREST
from stadsdata.model.values import Interval, has_nul, parse_instant, parse_interval, parse_time
from stadsdata.service.context import WriteContext
from stadsdata.service.values import entity_id
from stadsdata.store.base import ObservationRow

COMPONENTS = frozenset(
    {"phenomenonTime", "result", "resultTime", "resultQuality", "validTime", "parameters", "FeatureOfInterest/id"}
)
# The components `_row` reads, in the order of its `positions` argument.
_ROW_COMPONENTS = ("phenomenonTime", "result", "resultTime", "resultQuality", "validTime", "parameters")


def create_observations(ctx: WriteContext, body: Any) -> list[int]:
    """Insert every observation of a dataArray document; returns their ids in order."""
    if not isinstance(body, list):
        raise BadRequest("CreateObservations needs a JSON array of dataArray documents", field="body")
    rows: list[ObservationRow] = []
    for index, document in enumerate(body):
        rows.extend(_document_rows(ctx, document, field=f"[{index}]"))
    generated = set(ctx.features.values())  # made or found for the streams here: no check needed
    for feature_id in sorted({row.feature_of_interest_id for row in rows} - generated):
        ctx.require_exists(FEATURE_OF_INTEREST, feature_id, field="FeatureOfInterest/id")
    return ctx.tx.insert_observations(rows)


def _document_rows(ctx: WriteContext, document: Any, *, field: str) -> list[ObservationRow]:
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
    width = ctx.multi_width(stream_id) if stream == "MultiDatastream" else None
    index = {name: i for i, name in enumerate(components)}
    # Looked up once per document, not per row (this loop runs once per observation).
    positions = tuple(index.get(name) for name in _ROW_COMPONENTS)
    feature_position = index.get("FeatureOfInterest/id")
    streams = (stream_id, None) if stream == "Datastream" else (None, stream_id)
    size = len(components)
    default_feature: int | None = None
    rows = []
    for n, values in enumerate(data):
        row_field = f"{field}/dataArray[{n}]"
        if not isinstance(values, list) or len(values) != size:
            raise BadRequest(f"{row_field} must be an array of {size} values", field=row_field)
        if feature_position is None or values[feature_position] is None:
            if default_feature is None:
                default_feature = ctx.feature_for_stream(stream, stream_id, field=field)
            feature = default_feature
        else:
            feature = entity_id(values[feature_position], field=f"{row_field}/FeatureOfInterest/id")
        rows.append(_row(ctx, streams, values, positions, feature, width, row_field))
    return rows


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


def _row(
    ctx: WriteContext,
    streams: tuple[int | None, int | None],
    values: list[Any],
    positions: tuple[int | None, ...],
    feature: int,
    width: int | None,
    field: str,
) -> ObservationRow:
    p_phenomenon, p_result, p_result_time, p_quality, p_valid, p_parameters = positions
    phenomenon = None if p_phenomenon is None else values[p_phenomenon]
    pt = ctx.now if phenomenon is None else parse_time(phenomenon, field=f"{field}/phenomenonTime")
    start, end = (pt.start, pt.end) if isinstance(pt, Interval) else (pt, pt)
    result = values[p_result]  # type: ignore[index]  # 'result' is a required component
    if width is not None and (not isinstance(result, list) or len(result) != width):
        raise BadRequest(f"result must be an array of {width} values", field=f"{field}/result")
    result_time = None if p_result_time is None else values[p_result_time]
    valid = None if p_valid is None else values[p_valid]
    valid_interval = None if valid is None else parse_interval(valid, field=f"{field}/validTime")
    parameters = None if p_parameters is None else values[p_parameters]
    if parameters is not None and not isinstance(parameters, dict):
        raise BadRequest("parameters must be a JSON object", field=f"{field}/parameters")
    quality = None if p_quality is None else values[p_quality]
    for name, value in (("result", result), ("parameters", parameters), ("resultQuality", quality)):
        if has_nul(value):
            raise BadRequest("text may not contain the NUL character (\\u0000)", field=f"{field}/{name}")
    stream, stream_id = ("Datastream", streams[0]) if streams[0] is not None else ("MultiDatastream", streams[1])
    result, parameters = ctx.protect(stream, stream_id, result, parameters)  # type: ignore[arg-type]
    return ObservationRow(
        phenomenon_time_start=start,
        phenomenon_time_end=end,
        result=result,
        feature_of_interest_id=feature,
        datastream_id=streams[0],
        multi_datastream_id=streams[1],
        result_time=None if result_time is None else parse_instant(result_time, field=f"{field}/resultTime"),
        result_quality=quality,
        valid_time_start=valid_interval.start if valid_interval else None,
        valid_time_end=valid_interval.end if valid_interval else None,
        parameters=parameters,
    )


