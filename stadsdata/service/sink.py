"""The one observation sink: typed readings in, stored observations out. Every way readings reach
the platform — SensorThings `CreateObservations` (dataArray), LoRaWAN uplinks, HTTP push, and the
connectors after them — ends here, with no JSON round trip on the way:

1. the caller may add Observations to every stream named (checked before anything else, so that a
   caller without the right learns nothing, not even "stored before");
2. each reading's idempotency key is claimed (a redelivered reading stores nothing);
3. each reading gets its FeatureOfInterest (given, or generated from the Location of the stream's
   Thing), its personal fields pseudonymised (`access/pseudonyms.py`), NUL refused;
4. all of it is inserted in one go, in the caller's transaction (or a new one).

A refusal is a `ProblemError` (4xx, naming the field) and nothing of the call is kept; the caller
decides what a refusal means (an HTTP 400, or a message in the quarantine)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.access.pseudonyms import Pseudonymiser
from stadsdata.errors import BadRequest
from stadsdata.model.entities import DATASTREAM, FEATURE_OF_INTEREST, MULTI_DATASTREAM, OBSERVATION
from stadsdata.model.values import Interval, has_nul
from stadsdata.service.context import WriteContext, write_context
from stadsdata.store.base import ObservationRow, Store


@dataclass(slots=True)  # not frozen: a frozen dataclass costs a setattr call per field, per reading
class Reading:
    """One observation as a source made it: a Datastream's (or a MultiDatastream's) reading at a
    time. `key` makes it idempotent (the same key twice is stored once); `field` names where it
    came from in the source's message, for refusals."""

    phenomenon_time: datetime | Interval
    result: Any
    datastream_id: int | None = None
    multi_datastream_id: int | None = None
    parameters: dict[str, Any] | None = None
    result_time: datetime | None = None
    result_quality: Any = None
    valid_time: Interval | None = None
    feature_of_interest_id: int | None = None  # None: generated from the Thing's Location
    key: str | None = None
    field: str = ""

    @property
    def stream(self) -> tuple[str, int]:
        if self.datastream_id is not None:
            return "Datastream", self.datastream_id
        assert self.multi_datastream_id is not None, "a reading belongs to a Datastream or a MultiDatastream"
        return "MultiDatastream", self.multi_datastream_id


@dataclass(frozen=True)
class Stored:
    """What a write did: the ids of the new observations (in the order of the new readings) and
    how many readings were stored before under the same key."""

    ids: list[int]
    duplicates: int


def store_readings(
    ctx: WriteContext, readings: Sequence[Reading], *, received_at: datetime | None = None, streams_checked: bool = False,
    keep_rows: bool = False,
) -> Stored:  # fmt: skip
    """Steps 1–4 in the transaction of `ctx` (whose stream guard is the caller's right). A face
    that has checked each stream already while parsing (`streams_checked`) skips step 1. With
    `keep_rows`, the stored rows are left in `ctx.stored` by id (for `observation_record`)."""
    if not streams_checked:
        for stream, stream_id in sorted({r.stream for r in readings}):
            field = f"{stream}({stream_id})"
            ctx.guard_stream(stream, stream_id, field=field)
            ctx.require_exists(DATASTREAM if stream == "Datastream" else MULTI_DATASTREAM, stream_id, field=field)
    keys = [r.key for r in readings if r.key is not None]
    if keys:
        claimed = ctx.tx.claim_ingest_keys(keys, received_at or ctx.now)
        new = [r for r in readings if r.key is None or r.key in claimed]
    else:
        new = list(readings)
    features: dict[tuple[str, int], int] = {}  # the generated feature per stream, once per call
    rows = [_row(ctx, reading, features) for reading in new]
    generated = set(ctx.features.values())  # made or found for the streams here: no check needed
    for feature_id in sorted({row.feature_of_interest_id for row in rows} - generated):
        ctx.require_exists(FEATURE_OF_INTEREST, feature_id, field="FeatureOfInterest/id")
    ids = ctx.tx.insert_observations(rows) if rows else []
    if keep_rows:
        ctx.stored.update(zip(ids, rows))
    return Stored(ids, len(readings) - len(new))


def observation_record(observation_id: int, row: ObservationRow) -> dict[str, Any]:
    """The Observation as the store reads it back (`record_from_row`), from the row just stored:
    what a write answers with, without reading it again. Times are the store's (UTC), results as
    stored (after pseudonymisation), an interval of equal ends an instant."""
    start, end = row.phenomenon_time_start, row.phenomenon_time_end
    valid_start, valid_end = row.valid_time_start, row.valid_time_end
    return {
        "id": observation_id,
        "@links": {"Datastream": row.datastream_id, "MultiDatastream": row.multi_datastream_id, "FeatureOfInterest": row.feature_of_interest_id},
        "phenomenonTime": start if end is None or start == end else Interval(start, end),
        "result": row.result,
        "resultTime": row.result_time,
        "resultQuality": row.result_quality,
        "validTime": None if valid_start is None else (valid_start if valid_end is None else Interval(valid_start, valid_end)),
        "parameters": row.parameters,
    }


def _row(ctx: WriteContext, reading: Reading, features: dict[tuple[str, int], int]) -> ObservationRow:
    if reading.datastream_id is not None:
        stream, stream_id = "Datastream", reading.datastream_id
    else:
        stream, stream_id = reading.stream
    if reading.multi_datastream_id is not None:
        width = ctx.multi_width(reading.multi_datastream_id)
        if not isinstance(reading.result, list) or len(reading.result) != width:
            raise BadRequest(f"result must be an array of {width} values", field=_joined(reading.field, "result"))
    if type(reading.result) not in _NO_TEXT or reading.parameters is not None or reading.result_quality is not None:
        for name, value in (("result", reading.result), ("parameters", reading.parameters), ("resultQuality", reading.result_quality)):
            if has_nul(value):
                raise BadRequest("text may not contain the NUL character (\\u0000)", field=_joined(reading.field, name))
    if reading.parameters is not None and not isinstance(reading.parameters, dict):
        raise BadRequest("parameters must be a JSON object", field=_joined(reading.field, "parameters"))
    feature = reading.feature_of_interest_id
    if feature is None:
        feature = features.get((stream, stream_id))
        if feature is None:
            feature = features[stream, stream_id] = ctx.feature_for_stream(stream, stream_id, field=reading.field)
    if ctx.pseudonymiser is None:
        result, parameters = reading.result, reading.parameters
    else:
        result, parameters = ctx.protect(stream, stream_id, reading.result, reading.parameters)
    time = reading.phenomenon_time
    start, end = (time.start, time.end) if isinstance(time, Interval) else (time, time)
    valid = reading.valid_time
    return ObservationRow(  # positional: this runs once per reading
        start, end, result, feature, reading.datastream_id, reading.multi_datastream_id, reading.result_time,
        reading.result_quality, valid.start if valid else None, valid.end if valid else None, parameters,
    )  # fmt: skip


_NO_TEXT = frozenset({int, float, bool, type(None)})  # results that hold no text (most readings): no NUL to look for


def _joined(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


class ObservationSink:
    """`store_readings` for a caller, in a transaction of its own (or the one open in this thread),
    with the same checks as the SensorThings API: the caller may create Observations, each stream
    exists within what the caller sees and takes its writes."""

    def __init__(self, store: Store, access: AccessPolicy, pseudonymiser: Pseudonymiser | None = None) -> None:
        self.store = store
        self.access = access
        self.pseudonymiser = pseudonymiser

    def write(self, caller: Caller, readings: Sequence[Reading], *, received_at: datetime | None = None) -> Stored:
        with self.store.write() as tx:
            self.access.check_write(caller, OBSERVATION, "create")
            ctx = write_context(self.access, caller, tx, pseudonymiser=self.pseudonymiser)
            return store_readings(ctx, readings, received_at=received_at)
