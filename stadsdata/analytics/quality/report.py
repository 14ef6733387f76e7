"""A Datastream's data-quality report over a time range, read through the caller's access scope:
the stream must be readable by the caller (otherwise it does not exist for them: 404), and the
readings given to the checks are audited like any read of the stream (one record each).

At most `MAX_READINGS` readings are assessed: a longer range is refused with a 400 that says so
(ask for a shorter range), never silently cut."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.analytics.quality.checks import DEFAULT_RULES, KINDS, Assessment, Reading, Rules, assess
from stadsdata.analytics.quality.ranges import valid_range
from stadsdata.errors import BadRequest
from stadsdata.model.entities import DATASTREAM, OBSERVATION
from stadsdata.model.values import Interval
from stadsdata.query.ast import QueryOptions
from stadsdata.query.parser import parse_filter, parse_orderby
from stadsdata.service.series import check_range, readable_datastream, utc_text
from stadsdata.store.base import ParentRef, ReadRequest, Store

MAX_READINGS = 100_000
MAX_RANGE = timedelta(days=366)


@dataclass(frozen=True)
class QualityReport:
    datastream: dict[str, Any]
    start: datetime
    end: datetime
    valid_range: tuple[float | None, float | None]
    rules: Rules
    assessment: Assessment

    def as_json(self) -> dict[str, Any]:
        a, r = self.assessment, self.rules
        return {
            "datastream": self.datastream, "from": utc_text(self.start), "to": utc_text(self.end),
            "readings": a.readings, "numericReadings": a.numeric,
            "usualIntervalSeconds": a.usual_interval.total_seconds() if a.usual_interval is not None else None,
            "completeness": a.completeness, "validRange": list(self.valid_range),
            "rules": {"gapFactor": r.gap_factor, "minGapSeconds": r.min_gap.total_seconds(), "outlierZ": r.outlier_z,
                      "flatRun": r.flat_run, "lateAfterSeconds": r.late_after.total_seconds()},
            "counts": {kind: a.counts.get(kind, 0) for kind in KINDS},
            "findings": [f.as_json() for f in a.findings],
        }  # fmt: skip


def read_quality(
    store: Store, access: AccessPolicy, caller: Caller, datastream_id: int, start: datetime, end: datetime, request: str,
    rules: Rules = DEFAULT_RULES, now: datetime | None = None,
) -> QualityReport:  # fmt: skip
    check_range(start, end, MAX_RANGE, "a quality report spans at most 366 days")
    with audited_read(store) as (tx, events):
        scope = access.read_scope(caller, tx)
        stream = readable_datastream(tx, scope, datastream_id)
        if tx.series_count(datastream_id, start, end) > MAX_READINGS:  # numeric readings, from the rollups
            raise BadRequest(f"more than {MAX_READINGS} readings in this range: ask for a shorter one", field="from")
        options = QueryOptions(
            filter=parse_filter(f"phenomenonTime ge {utc_text(start)} and phenomenonTime lt {utc_text(end)}"), orderby=parse_orderby("id")
        )
        parent = ParentRef(DATASTREAM, datastream_id, "Observations")
        records = tx.read(ReadRequest(OBSERVATION, options, parent=parent, scope=scope, top=MAX_READINGS + 1, max_top=MAX_READINGS + 1)).records
        if len(records) > MAX_READINGS:
            raise BadRequest(f"more than {MAX_READINGS} readings in this range: ask for a shorter one", field="from")
        events += access.audit_stream_reads(caller, tx, Counter({("Datastream", datastream_id): len(records)}), request)
    valid = valid_range(stream)
    # Gaps and completeness count from when the stream began measuring (its phenomenonTime extent)
    # to the end of the range or now: no gap before a sensor's first reading, nor in the future.
    extent = stream.get("phenomenonTime")
    begin = max(start, extent.start) if isinstance(extent, Interval) else start
    until = max(min(end, now or datetime.now(UTC)), begin)
    assessment = assess([_reading(r) for r in records], begin, until, valid, rules)
    summary = {k: stream.get(k) for k in ("id", "name", "unitOfMeasurement", "observationType")}
    return QualityReport(summary, start, end, valid, rules, assessment)


def _reading(record: dict[str, Any]) -> Reading:
    time = record["phenomenonTime"]
    result = record["result"]
    number = float(result) if isinstance(result, int | float) and not isinstance(result, bool) else None
    result_time = record.get("resultTime")
    return Reading(record["id"], time.start if isinstance(time, Interval) else time, number,
                   result_time.start if isinstance(result_time, Interval) else result_time)  # fmt: skip

