"""Endpoint of a Datastream's data-quality report (`analytics/quality/`): gaps, outliers, flat
lines, out-of-range values and late data over a time range, open to every client that may read
the stream."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from stadsdata.access.policy import AccessPolicy
from stadsdata.analytics.quality.checks import DEFAULT_RULES, Rules
from stadsdata.analytics.quality.report import read_quality
from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import WeekFrom, WeekTo
from stadsdata.service.series import parse_time

_D = DEFAULT_RULES


def add_quality_routes(router: APIRouter, tools: Endpoints, Who: Any, access: AccessPolicy) -> None:  # noqa: N803 - a type
    @router.get(
        "/datastreams/{datastream_id}/quality", tags=["data"],
        summary="A Datastream's data quality over a time range: gaps, outliers, flat lines, out-of-range values, late data",
    )  # fmt: skip
    def get_quality(
        request: Request,
        datastream_id: models.Id,
        who: Who,
        from_: WeekFrom = None,
        to: WeekTo = None,
        gapFactor: Annotated[float, Query(gt=1, le=1000, description="a gap: longer than this × the usual interval")] = _D.gap_factor,
        minGapSeconds: Annotated[int, Query(ge=1, le=31_536_000, description="… and at least this long")] = int(_D.min_gap.total_seconds()),
        outlierZ: Annotated[float, Query(gt=0, le=1000, description="an outlier: robust z-score above this")] = _D.outlier_z,
        flatRun: Annotated[int, Query(ge=2, le=100_000, description="a flat line: this many equal values in a row")] = _D.flat_run,
        lateAfterSeconds: Annotated[
            int, Query(ge=1, le=31_536_000, description="late: arrived after a reading this much later, or resultTime this much after")
        ] = int(_D.late_after.total_seconds()),
    ) -> Response:
        end = parse_time(to, "to", datetime.now(UTC))
        start = parse_time(from_, "from", end - timedelta(days=7))
        rules = Rules(gapFactor, timedelta(seconds=minGapSeconds), outlierZ, flatRun, timedelta(seconds=lateAfterSeconds))
        where = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        report = read_quality(tools.store, access, who, datastream_id, start, end, f"GET {where}", rules)
        return Response(orjson.dumps(report.as_json()), media_type="application/json")
