"""HTTP push: systems of private parties and of the municipality post JSON as they have it (a
garage operator's occupancy every minute); a declarative mapping per source turns it into
Observations. A mapping (JSON, stored per source, managed with /api/v1/push-sources):

    {
      "records": "garages",            # dotted path to the array of records ("" : the body itself,
                                       #   an array or one record)
      "key": "id",                     # dotted path in a record to its identity
      "time": "updated",               # dotted path to its time (ISO 8601); absent: the reception time
      "streams": {                     # identity -> {dotted path of a value -> Datastream id}
        "P-Centrum": {"free": 12, "capacity": 13},
        "P-Station": {"free": 14}
      }
    }

Records of an unknown identity and mapped values that are missing are quarantined (with the
whole body; the rest is stored, and a replay after fixing the mapping stores just what was
missing). With a time, each reading has an idempotency key (source, identity, path, time): a
source that posts the same state twice stores it once."""

from __future__ import annotations

from typing import Any

import orjson

from stadsdata.access.policy import Caller
from stadsdata.errors import BadRequest
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome
from stadsdata.model.values import parse_time
from stadsdata.service.sink import Reading

MISSING = object()


def _at(value: Any, path: str) -> Any:
    for part in path.split(".") if path else ():
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def check_mapping(mapping: Any) -> dict[str, Any]:
    """The mapping, validated; BadRequest naming the member otherwise."""
    if not isinstance(mapping, dict):
        raise BadRequest("a mapping is a JSON object", field="mapping")
    unknown = set(mapping) - {"records", "key", "time", "streams"}
    if unknown:
        raise BadRequest(f"unknown member {sorted(unknown)[0]!r}", field=f"mapping.{sorted(unknown)[0]}")
    for name in ("records", "time"):
        if name in mapping and not isinstance(mapping[name], str):
            raise BadRequest(f"{name} is a dotted path (text)", field=f"mapping.{name}")
    if not isinstance(mapping.get("key"), str) or not mapping["key"]:
        raise BadRequest("key is the dotted path to a record's identity", field="mapping.key")
    streams = mapping.get("streams")
    if not isinstance(streams, dict) or not streams:
        raise BadRequest("streams maps record identities to {value path: Datastream id}", field="mapping.streams")
    for identity, values in streams.items():
        if not isinstance(values, dict) or not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values.values()):
            raise BadRequest("each identity maps value paths to Datastream ids", field=f"mapping.streams.{identity}")
    return mapping


def readings_of(source: str, mapping: dict[str, Any], body: Any, received_at: str) -> tuple[list[Reading], list[str]]:
    """(readings, what could not be mapped) of one posted body."""
    records = _at(body, mapping.get("records", ""))
    if records is MISSING:
        raise BadRequest(f"the body has no {mapping['records']!r}", field=mapping.get("records") or "body")
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list):
        raise BadRequest("the records are not an array or an object", field=mapping.get("records") or "body")
    readings, problems = [], []
    for i, record in enumerate(records):
        identity = _at(record, mapping["key"])
        if identity is MISSING:
            problems.append(f"record {i} has no {mapping['key']!r}")
            continue
        values = mapping["streams"].get(str(identity))
        if values is None:
            problems.append(f"no streams for {mapping['key']} {identity!r}")
            continue
        time = _at(record, mapping["time"]) if mapping.get("time") else MISSING
        for path, stream in values.items():
            value = _at(record, path)
            if value is MISSING:
                problems.append(f"{identity!r} has no {path!r}")
                continue
            when = time if isinstance(time, str) else received_at
            field = f"{identity}.{path}"
            readings.append(Reading(
                parse_time(when, field=f"{field}.time"), value, datastream_id=stream, key=f"push:{source}:{identity}:{path}:{when}",
                field=field,
            ))  # fmt: skip
    return readings, problems


def ingest_push(ingestor: Ingestor, source: str, mapping: dict[str, Any], message: Message, caller: Caller, *, quarantined: int | None = None) -> tuple[Outcome, int]:
    """(outcome, readings stored or found stored before)."""
    try:
        body = orjson.loads(message.payload)
        readings, problems = readings_of(source, mapping, body, message.received_at.isoformat())
    except orjson.JSONDecodeError as exc:
        ingestor.refuse(message, f"the body is not valid JSON: {exc}", "body", quarantined=quarantined)
        return Outcome.QUARANTINED, 0
    except BadRequest as exc:
        ingestor.refuse(message, exc.detail, exc.field, quarantined=quarantined)
        return Outcome.QUARANTINED, 0
    reason = "; ".join(problems)[:2000]
    return ingestor.ingest_partly(
        message, caller, readings, unmapped=(reason + " (the rest is stored)", "mapping.streams") if problems else None,
        nothing=(reason or "no readings in the body", "mapping.streams"), quarantined=quarantined,
    )  # fmt: skip
