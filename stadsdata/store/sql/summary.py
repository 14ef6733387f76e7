"""Per-stream time-series summary: observation count, phenomenon/result time extent, latest
observation and observed area of each Datastream and MultiDatastream.

`add` folds a batch into the summaries with one prepared UPDATE per stream touched, computed in
the database (run as one executemany; no read of the row first); `recompute` rebuilds them from
the observations after updates and deletes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, case, func, or_, select, update
from sqlalchemy.engine import Connection

from stadsdata.store.base import ObservationRow
from stadsdata.store.schema import datastreams, features_of_interest, multi_datastreams, observations
from stadsdata.store.sql.prepared import Prepared

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


def _least(column: Any, name: str) -> Any:
    """`column` lowered to the parameter `name`; NULLs ignored on either side (as least() on
    PostgreSQL), written as CASE so that the text is the same on both backends."""
    value = bindparam(name, type_=column.type)
    return case((or_(column.is_(None), column > value), value), else_=column)


def _greatest(column: Any, name: str) -> Any:
    value = bindparam(name, type_=column.type)
    return case((or_(column.is_(None), column < value), value), else_=column)


def _fold_statement(table: Any) -> Any:
    """Fold one batch's figures for a stream into its summary row, in the database: no read
    first, and the row lock is the UPDATE's own (FOR NO KEY UPDATE on PostgreSQL: the key is not
    changed). Every SET term sees the row as it was (SQL's rule), so the latest observation's id
    and time are decided on the same old values."""
    t = table.c
    newer = or_(
        t.latest_observation_id.is_(None),
        t.latest_phenomenon_time < bindparam("n_latest_time", type_=t.latest_phenomenon_time.type),
        and_(
            t.latest_phenomenon_time == bindparam("n_latest_time", type_=t.latest_phenomenon_time.type),
            t.latest_observation_id < bindparam("n_latest_id", type_=t.latest_observation_id.type),
        ),
    )
    return (
        update(table)
        .where(t.id == bindparam("n_id", type_=t.id.type))
        .values(
            observation_count=func.coalesce(t.observation_count, 0) + bindparam("n_count", type_=Integer),
            phenomenon_time_start=_least(t.phenomenon_time_start, "n_pt_start"),
            phenomenon_time_end=_greatest(t.phenomenon_time_end, "n_pt_end"),
            result_time_start=_least(t.result_time_start, "n_rt_start"),
            result_time_end=_greatest(t.result_time_end, "n_rt_end"),
            latest_observation_id=case((newer, bindparam("n_latest_id", type_=t.latest_observation_id.type)), else_=t.latest_observation_id),
            latest_phenomenon_time=case((newer, bindparam("n_latest_time", type_=t.latest_phenomenon_time.type)), else_=t.latest_phenomenon_time),
            area_minx=_least(t.area_minx, "n_minx"),
            area_miny=_least(t.area_miny, "n_miny"),
            area_maxx=_greatest(t.area_maxx, "n_maxx"),
            area_maxy=_greatest(t.area_maxy, "n_maxy"),
        )
    )


_FOLD = {kind: Prepared(lambda table=table: _fold_statement(table)) for kind, table in _TABLES.items()}


def _params(stream_id: int, fold: _Fold, boxes: dict[int, tuple[float, float, float, float] | None]) -> dict[str, Any]:
    minx = miny = maxx = maxy = None
    for fid in fold.features:
        box = boxes.get(fid)
        if box:
            minx, miny = _min(minx, box[0]), _min(miny, box[1])
            maxx, maxy = _max(maxx, box[2]), _max(maxy, box[3])
    latest_time, latest_id = fold.latest  # type: ignore[misc]  # a fold has at least one row
    return {
        "n_id": stream_id, "n_count": fold.count, "n_pt_start": fold.pt_start, "n_pt_end": fold.pt_end,
        "n_rt_start": fold.rt_start, "n_rt_end": fold.rt_end, "n_latest_time": latest_time, "n_latest_id": latest_id,
        "n_minx": minx, "n_miny": miny, "n_maxx": maxx, "n_maxy": maxy,
    }  # fmt: skip


class StreamSummaries:
    def __init__(self, conn: Connection, boxes: dict[int, tuple[float, float, float, float] | None] | None = None) -> None:
        self.conn = conn
        # feature id -> box (or None: no geometry), as far as the transaction knows them already
        self.boxes: dict[int, tuple[float, float, float, float] | None] = {} if boxes is None else boxes

    def add(self, rows: Sequence[ObservationRow], ids: Sequence[int]) -> None:
        """Fold a batch into its streams' summaries: one UPDATE per stream, in stream order (a
        fixed order: concurrent batches queue, they do not deadlock), run as one executemany."""
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
            params = [_params(stream_id, fold, boxes) for (k, stream_id), fold in sorted(folds.items()) if k == kind]
            if params:
                _FOLD[kind].executemany(self.conn, params)

    def _feature_boxes(self, feature_ids: set[int]) -> dict[int, tuple[float, float, float, float] | None]:
        known = self.boxes
        unknown = [fid for fid in feature_ids if fid not in known]
        if unknown:
            f = features_of_interest.c
            stmt = select(f.id, f.bbox_minx, f.bbox_miny, f.bbox_maxx, f.bbox_maxy).where(f.id.in_(sorted(unknown)))
            for r in self.conn.execute(stmt):
                known[r[0]] = None if r[1] is None else (r[1], r[2], r[3], r[4])
        return known


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
