"""The store side of alert rules (`stadsdata/analytics/alerts/`): the numeric results of given
observations (what a commit listener's changes name), read in one statement."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from stadsdata.store.schema import observations


def observation_numbers(conn: Connection, observation_ids: Sequence[int]) -> list[tuple[int, datetime, float]]:
    """(Datastream id, phenomenon time, result) of the finite numeric results of these
    observations, by stream, time and id (others, e.g. of MultiDatastreams, are left out)."""
    if not observation_ids:
        return []
    o = observations.c
    found: list[tuple[int, datetime, float]] = []
    ids = sorted(set(observation_ids))
    for start in range(0, len(ids), 5000):
        stmt = select(o.datastream_id, o.phenomenon_time_start, o.result_number, o.id).where(
            o.id.in_(ids[start : start + 5000]), o.datastream_id.is_not(None), o.result_number.is_not(None)
        )
        found.extend((s, t, v) for s, t, v, _ in sorted(conn.execute(stmt).all()) if math.isfinite(v))
    found.sort()
    return found
