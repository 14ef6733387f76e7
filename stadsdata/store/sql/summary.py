"""Per-stream time-series summary: observation count, phenomenon/result time extent, latest
observation and observed area of each Datastream and MultiDatastream.

`add` folds a batch into the summaries with a fixed number of statements per batch (not per
row); `recompute` rebuilds them from the observations after updates and deletes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection

from stadsdata.store.base import ObservationRow
from stadsdata.store.schema import datastreams, features_of_interest, multi_datastreams, observations

_TABLES = {"Datastream": datastreams, "MultiDatastream": multi_datastreams}
_FK = {"Datastream": observations.c.datastream_id, "MultiDatastream": observations.c.multi_datastream_id}
_SUMMARY_COLUMNS = (
    "phenomenon_time_start",
    "phenomenon_time_end",
    "result_time_start",
    "result_time_end",
    "observation_count",
    "latest_observation_id",
    "latest_phenomenon_time",
    "area_minx",
    "area_miny",
    "area_maxx",
    "area_maxy",
)


@dataclass
class _Fold:
    count: int = 0
    pt_start: datetime | None = None
    pt_end: datetime | None = None
    rt_start: datetime | None = None
    rt_end: datetime | None = None
    latest: tuple[datetime, int] | None = None
    features: set[int] = field(default_factory=set)

    def add(self, row: ObservationRow, obs_id: int) -> None:
        self.count += 1
        self.pt_start = _min(self.pt_start, row.phenomenon_time_start)
        self.pt_end = _max(self.pt_end, row.phenomenon_time_end)
        if row.result_time is not None:
            self.rt_start = _min(self.rt_start, row.result_time)
            self.rt_end = _max(self.rt_end, row.result_time)
        key = (row.phenomenon_time_start, obs_id)
        if self.latest is None or key > self.latest:
            self.latest = key
        self.features.add(row.feature_of_interest_id)


def _min(a: Any, b: Any) -> Any:
    return b if a is None else (a if b is None or a <= b else b)


def _max(a: Any, b: Any) -> Any:
    return b if a is None else (a if b is None or a >= b else b)


class StreamSummaries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, rows: Sequence[ObservationRow], ids: Sequence[int]) -> None:
        folds: dict[tuple[str, int], _Fold] = {}
        for row, obs_id in zip(rows, ids):
            if row.datastream_id is not None:
                key = ("Datastream", row.datastream_id)
            else:
                key = ("MultiDatastream", row.multi_datastream_id)  # type: ignore[assignment]
            fold = folds.get(key)
            if fold is None:
                fold = folds[key] = _Fold()
            fold.add(row, obs_id)
        boxes = self._feature_boxes({f for fold in folds.values() for f in fold.features})
        for kind in _TABLES:
            keyed = {sid: fold for (k, sid), fold in folds.items() if k == kind}
            if keyed:
                self._merge(kind, keyed, boxes)

    def _feature_boxes(self, feature_ids: set[int]) -> dict[int, tuple[float, float, float, float]]:
        if not feature_ids:
            return {}
        f = features_of_interest.c
        stmt = select(f.id, f.bbox_minx, f.bbox_miny, f.bbox_maxx, f.bbox_maxy).where(f.id.in_(list(feature_ids)))
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in self.conn.execute(stmt) if r[1] is not None}

    def _merge(self, kind: str, folds: dict[int, _Fold], boxes: dict[int, tuple[float, float, float, float]]) -> None:
        table = _TABLES[kind]
        cols = [table.c.id] + [table.c[name] for name in _SUMMARY_COLUMNS]
        # Concurrent batches into a stream queue here. FOR NO KEY UPDATE (key_share=True), not
        # FOR UPDATE: the foreign key checks of the observations just inserted hold FOR KEY SHARE
        # locks on these rows, which FOR UPDATE would wait for (a deadlock between two batches).
        locked = select(*cols).where(table.c.id.in_(sorted(folds))).with_for_update(key_share=True)
        current = {r["id"]: r for r in self.conn.execute(locked).mappings()}
        params = []
        for stream_id, fold in folds.items():
            old = current.get(stream_id)
            if old is None:
                continue
            new = dict(old)
            new["observation_count"] = (old["observation_count"] or 0) + fold.count
            new["phenomenon_time_start"] = _min(old["phenomenon_time_start"], fold.pt_start)
            new["phenomenon_time_end"] = _max(old["phenomenon_time_end"], fold.pt_end)
            new["result_time_start"] = _min(old["result_time_start"], fold.rt_start)
            new["result_time_end"] = _max(old["result_time_end"], fold.rt_end)
            if fold.latest is not None:
                old_key = (
                    (old["latest_phenomenon_time"], old["latest_observation_id"])
                    if old["latest_observation_id"] is not None
                    else None
                )
                if old_key is None or fold.latest > old_key:
                    new["latest_phenomenon_time"], new["latest_observation_id"] = fold.latest
            for fid in fold.features:
                box = boxes.get(fid)
                if box:
                    new["area_minx"] = _min(new["area_minx"], box[0])
                    new["area_miny"] = _min(new["area_miny"], box[1])
                    new["area_maxx"] = _max(new["area_maxx"], box[2])
                    new["area_maxy"] = _max(new["area_maxy"], box[3])
            new["_id"] = stream_id
            del new["id"]
            params.append(new)
        if params:
            stmt = update(table).where(table.c.id == bindparam("_id")).values(
                {name: bindparam(name) for name in _SUMMARY_COLUMNS}
            )
            self.conn.execute(stmt, params)

    def recompute(self, keys: Iterable[tuple[str, int]]) -> None:
        """Rebuild the summary of the given streams from their observations."""
        for kind, stream_id in sorted(keys):
            table, fk = _TABLES[kind], _FK[kind]
            self.conn.execute(select(table.c.id).where(table.c.id == stream_id).with_for_update(key_share=True))
            o = observations.c
            agg = self.conn.execute(
                select(
                    func.count(),
                    func.min(o.phenomenon_time_start),
                    func.max(o.phenomenon_time_end),
                    func.min(o.result_time),
                    func.max(o.result_time),
                ).where(fk == stream_id)
            ).one()
            latest = self.conn.execute(
                select(o.id, o.phenomenon_time_start)
                .where(fk == stream_id)
                .order_by(o.phenomenon_time_start.desc(), o.id.desc())
                .limit(1)
            ).first()
            f = features_of_interest.c
            features = select(o.feature_of_interest_id).where(fk == stream_id).distinct()
            area = self.conn.execute(
                select(func.min(f.bbox_minx), func.min(f.bbox_miny), func.max(f.bbox_maxx), func.max(f.bbox_maxy)).where(
                    f.id.in_(features)
                )
            ).one()
            self.conn.execute(
                update(table)
                .where(table.c.id == stream_id)
                .values(
                    observation_count=agg[0],
                    phenomenon_time_start=agg[1],
                    phenomenon_time_end=agg[2],
                    result_time_start=agg[3],
                    result_time_end=agg[4],
                    latest_observation_id=latest[0] if latest else None,
                    latest_phenomenon_time=latest[1] if latest else None,
                    area_minx=area[0],
                    area_miny=area[1],
                    area_maxx=area[2],
                    area_maxy=area[3],
                )
            )
