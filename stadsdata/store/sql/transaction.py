"""The unit of work for SQL backends: writes with the integrity rules of OGC 18-088 §10.4,
reads through `SqlReader`, and the per-stream time-series summary.

Backends subclass this only for their bulk fast path (`_bulk_insert`) and for what must
exist before observations are written (`prepare_observation_times`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from stadsdata.errors import Conflict
from stadsdata.model.entities import FEATURE_OF_INTEREST, EntityType
from stadsdata.model.values import Interval
from stadsdata.store.base import (
    Change,
    HourlyRollup,
    LatestValue,
    ObservationChunkRow,
    ObservationRow,
    ParentRef,
    ReadRequest,
    ReadResult,
    Record,
    ScopeFn,
    SeriesPoint,
    StreamFacts,
    Transaction,
    unrestricted,
)
from stadsdata.store.schema import (
    JOINS,
    TABLES,
    datasets,
    datastreams,
    features_of_interest,
    historical_locations,
    historical_locations_locations,
    ingest_keys,
    locations,
    multi_datastreams,
    multi_datastreams_observed_properties,
    observations,
    things_locations,
)
from stadsdata.store.sql import thing_query
from stadsdata.store.sql.access import SqlAccessRecords
from stadsdata.store.sql.alerts import datastream_facts, observation_numbers, write_alerts
from stadsdata.store.sql.codec import encode_result, row_from_values
from stadsdata.store.sql.latest_values import latest_values
from stadsdata.store.sql.observation_chunks import observation_chunk
from stadsdata.store.sql.prepared import Prepared
from stadsdata.store.sql.property_lookup import things_by_property_text
from stadsdata.store.sql.reader import SqlReader, parent_condition
from stadsdata.store.sql.rollups import HourlyRollups
from stadsdata.store.sql.summary import StreamSummaries
from stadsdata.store.thing_query import Condition, ThingCount, ThingMatch

Box = tuple[float, float, float, float]


def _stream_facts_statement(table: Any) -> Any:
    """The stream, its dataset's personal fields, its Thing's first Location and the feature
    generated from it (with its box), by the stream's id: one row or none."""
    t = table.c
    tl = things_locations.alias("tl")
    first_location = select(func.min(tl.c.location_id)).where(tl.c.thing_id == t.thing_id).correlate(table).scalar_subquery()
    f, f2 = features_of_interest, features_of_interest.alias("f2")
    generated = (
        select(func.min(f2.c.id))
        .where(f2.c.generated_from_location_id == first_location)
        .correlate(table)
        .scalar_subquery()
    )
    width = [t.unit_of_measurements] if "unit_of_measurements" in t else []
    return (
        select(t.thing_id, t.dataset_id, datasets.c.personal_fields, first_location, f.c.id,
               f.c.bbox_minx, f.c.bbox_miny, f.c.bbox_maxx, f.c.bbox_maxy, *width)  # fmt: skip
        .select_from(table.outerjoin(datasets, datasets.c.id == t.dataset_id).outerjoin(f, f.c.id == generated))
        .where(t.id == bindparam("id"))
    )


_STREAM_FACTS = {
    "Datastream": Prepared(lambda: _stream_facts_statement(datastreams)),
    "MultiDatastream": Prepared(lambda: _stream_facts_statement(multi_datastreams)),
}


class SqlTransaction(Transaction):
    def __init__(self, conn: Connection, reader: SqlReader) -> None:
        self.conn = conn
        self.reader = reader
        # The boxes of the features this transaction has read or made (feature id -> box or None),
        # so that the summary's observed area needs no query for them; dropped when one changes.
        self.feature_boxes: dict[int, Box | None] = {}
        self.summaries = StreamSummaries(conn, self.feature_boxes)
        self.rollups = HourlyRollups(conn)
        self._access: SqlAccessRecords | None = None  # one per transaction (it caches the snapshot)
        self.record_changes = False  # set by the store when someone listens for commits
        self.changes: list[Change] = []
        self.observations_inserted = 0  # counted into the store's figures when the transaction commits

    @property
    def access(self) -> SqlAccessRecords:
        if self._access is None:
            self._access = SqlAccessRecords(self.conn)
        return self._access

    # -- reads ------------------------------------------------------------------------------
    def read(self, request: ReadRequest) -> ReadResult:
        return self.reader.read(request)

    def exists(self, entity: EntityType, id: int, *, parent: ParentRef | None = None, scope: ScopeFn = unrestricted) -> bool:
        return self.reader.exists(entity, id, parent, scope)

    def related_ids(self, entity: EntityType, id: int, nav: str) -> list[int]:
        target_table = TABLES[entity.nav(nav).target]  # type: ignore[union-attr]
        stmt = select(target_table.c.id).where(parent_condition(ParentRef(entity, id, nav), target_table))
        return [r[0] for r in self.conn.execute(stmt.order_by(target_table.c.id))]

    def stream_facts(self, stream: str, stream_id: int) -> StreamFacts | None:
        """One statement for what writing observations to a stream needs (no access filter):
        None if the stream does not exist. Remembers the generated feature's box for the summary."""
        row = _STREAM_FACTS[stream].first(self.conn, id=stream_id)
        if row is None:
            return None
        feature_id = row[4]
        if feature_id is not None:
            self.feature_boxes[feature_id] = None if row[5] is None else (row[5], row[6], row[7], row[8])
        width = len(row[9] or []) if len(row) > 9 else None
        return StreamFacts(row[0], row[1], list(row[2] or []), row[3], feature_id, width)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self.conn.begin_nested():
            yield

    def claim_ingest_keys(self, keys: Sequence[str], now: datetime) -> set[str]:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return set()
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(ingest_keys).on_conflict_do_nothing().returning(ingest_keys.c.key)
        # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues").
        # (rowcount is not reliable for ON CONFLICT DO NOTHING on every driver: the returned keys are.)
        result = self.conn.execute(stmt, [{"key": key, "stored_at": now} for key in unique])
        return set(result.scalars())

    def generated_feature_for_location(self, location_id: int, *, lock: bool = False) -> int | None:
        if lock:  # writers that would generate the same feature queue here; the query below then sees theirs
            self.conn.execute(select(locations.c.id).where(locations.c.id == location_id).with_for_update(key_share=True))
        stmt = (
            select(features_of_interest.c.id)
            .where(features_of_interest.c.generated_from_location_id == location_id)
            .order_by(features_of_interest.c.id)
            .limit(1)
        )
        return self.conn.execute(stmt).scalar()

    # -- writes -----------------------------------------------------------------------------
    def insert(self, entity: EntityType, values: Record) -> int:
        if entity.name == "Observation":
            return self.insert_observations([observation_row(values)])[0]
        row = row_from_values(entity, values)
        result = self.conn.execute(insert(TABLES[entity.name]).values(**row))
        new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        if self.record_changes:
            links = tuple((n.name, int(values[n.name])) for n in entity.navs if not n.many and values.get(n.name) is not None)
            self.changes.append(Change("create", entity.name, new_id, links))
        return new_id

    def insert_generated_feature(self, values: Record, location_id: int) -> int:
        row = row_from_values(FEATURE_OF_INTEREST, values)
        row["generated_from_location_id"] = location_id
        result = self.conn.execute(insert(features_of_interest).values(**row))
        new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        box = (row.get("bbox_minx"), row.get("bbox_miny"), row.get("bbox_maxx"), row.get("bbox_maxy"))
        self.feature_boxes[new_id] = None if box[0] is None else box  # type: ignore[assignment]
        if self.record_changes:
            self.changes.append(Change("create", "FeatureOfInterest", new_id))
        return new_id

    def update(self, entity: EntityType, id: int, values: Record) -> None:
        if not values:
            return
        if self.record_changes:
            self.changes.append(Change("update", entity.name, id, properties=tuple(values)))
        if entity.name == "FeatureOfInterest":
            self.feature_boxes.pop(id, None)
        table = TABLES[entity.name]
        streams_before = self._streams_of_observations([id]) if entity.name == "Observation" else None
        hours_before = self.rollups.hours_of([id]) if entity.name == "Observation" else set()
        row = row_from_values(entity, values)
        if "phenomenon_time_start" in row and entity.name == "Observation":
            self.prepare_observation_times([row["phenomenon_time_start"]])
        self.conn.execute(update(table).where(table.c.id == id).values(**row))
        if streams_before is not None:
            self.summaries.recompute(streams_before | self._streams_of_observations([id]))
            self.rollups.rebuild(hours_before | self.rollups.hours_of([id]))
        elif entity.name == "FeatureOfInterest" and ("feature" in values):
            self.summaries.recompute(self._streams_of_feature(id))

    def delete(self, entity: EntityType, id: int) -> None:
        if entity.name == "FeatureOfInterest":
            self.feature_boxes.pop(id, None)
        table = TABLES[entity.name]
        affected: set[tuple[str, int]] = set()
        hours: set[tuple[int, Any]] = set()
        if entity.name == "Observation":
            affected = self._streams_of_observations([id])
            hours = self.rollups.hours_of([id])
        elif entity.name == "FeatureOfInterest":
            affected = self._streams_of_feature(id)
        elif entity.name == "ObservedProperty":
            md_ids = select(multi_datastreams_observed_properties.c.multi_datastream_id).where(
                multi_datastreams_observed_properties.c.observed_property_id == id
            )
            self.conn.execute(delete(multi_datastreams).where(multi_datastreams.c.id.in_(md_ids)))
        self.conn.execute(delete(table).where(table.c.id == id))
        if entity.name == "Location":
            orphaned = select(historical_locations.c.id).where(
                ~select(historical_locations_locations.c.historical_location_id)
                .where(historical_locations_locations.c.historical_location_id == historical_locations.c.id)
                .exists()
            )
            self.conn.execute(delete(historical_locations).where(historical_locations.c.id.in_(orphaned)))
        if affected:
            self.summaries.recompute(affected)
        if hours:
            self.rollups.rebuild(hours)
        elif entity.name == "FeatureOfInterest":  # its observations went with it
            self.rollups.rebuild_streams(stream for kind, stream in affected if kind == "Datastream")

    def link(self, entity: EntityType, id: int, nav: str, target_ids: Sequence[int], *, replace: bool = False) -> None:
        join = JOINS[(entity.name, nav)]
        if join.kind == "fk_there":
            target = TABLES[entity.nav(nav).target]  # type: ignore[union-attr]
            self.conn.execute(update(target).where(target.c.id.in_(list(target_ids))).values({join.column: id}))
            return
        if join.kind != "link" or join.link is None:
            raise Conflict(f"{entity.name}.{nav} is not a to-many link", field=nav)
        link = join.link
        if replace:
            self.conn.execute(delete(link).where(link.c[join.source_col] == id))
        existing = {r[0] for r in self.conn.execute(select(link.c[join.target_col]).where(link.c[join.source_col] == id))}
        rows = []
        for target_id in target_ids:
            if target_id in existing:
                continue
            existing.add(target_id)
            rows.append({join.source_col: id, join.target_col: target_id})
        if "rank" in link.c:
            self._rank(link, rows)
        if rows:
            self.conn.execute(insert(link), rows)

    def _rank(self, link: Any, rows: list[dict[str, Any]]) -> None:
        """Number new MultiDatastream–ObservedProperty links after the stream's existing ones."""
        owner = link.c.multi_datastream_id
        next_rank: dict[int, int] = {}
        for row in rows:
            stream = row["multi_datastream_id"]
            if stream not in next_rank:
                current = self.conn.execute(select(func.max(link.c["rank"])).where(owner == stream)).scalar()
                next_rank[stream] = -1 if current is None else int(current)
            next_rank[stream] += 1
            row["rank"] = next_rank[stream]

    def unlink(self, entity: EntityType, id: int, nav: str, target_id: int) -> None:
        join = JOINS[(entity.name, nav)]
        if join.kind != "link" or join.link is None:
            raise Conflict(f"{entity.name}.{nav} cannot be unlinked; delete or re-link the entity instead", field=nav)
        link = join.link
        self.conn.execute(delete(link).where(link.c[join.source_col] == id, link.c[join.target_col] == target_id))

    def insert_observations(self, rows: Sequence[ObservationRow]) -> list[int]:
        if not rows:
            return []
        self.prepare_observation_times([row.phenomenon_time_start for row in rows])
        ids = self._bulk_insert(rows)
        self.observations_inserted += len(ids)
        self.summaries.add(rows, ids)
        self.rollups.add(rows)
        if self.record_changes:
            for row, new_id in zip(rows, ids):
                stream = ("Datastream", row.datastream_id) if row.datastream_id is not None else ("MultiDatastream", row.multi_datastream_id)
                self.changes.append(Change("create", "Observation", new_id, (stream, ("FeatureOfInterest", row.feature_of_interest_id))))  # type: ignore[arg-type]
        return ids

    def prepare_observation_times(self, phenomenon_time_starts: Sequence[datetime]) -> None:
        """Called before observations with these phenomenon time starts are written (inserted
        or moved by an update): PostgreSQL creates the time partitions they need."""

    def _bulk_insert(self, rows: Sequence[ObservationRow]) -> list[int]:
        """Portable fallback: one INSERT per row. Backends override with their fast path."""
        ids = []
        for row in rows:
            result = self.conn.execute(insert(observations).values(**observation_columns(row)))
            ids.append(int(result.inserted_primary_key[0]))  # type: ignore[index]
        return ids

    def latest_values(self, scope: ScopeFn, observed_property: str | None = None, thing_ids: Sequence[int] | None = None) -> list[LatestValue]:
        return latest_values(self.conn, self.reader.compiler(scope), observed_property, thing_ids)

    def find_things(
        self, scope: ScopeFn, where: Condition, *, sure: Condition | None = None, after: int | None = None,
        offset: int = 0, limit: int | None = None,
    ) -> list[ThingMatch]:  # fmt: skip
        return thing_query.find_things(
            self.conn, self.reader.compiler(scope), where, sure=sure, after=after, offset=offset, limit=limit
        )

    def count_things(self, scope: ScopeFn, where: Condition, *, sure: Condition | None = None) -> ThingCount:
        return thing_query.count_things(self.conn, self.reader.compiler(scope), where, sure=sure)

    def observed_property_names(self) -> list[str]:
        return thing_query.observed_property_names(self.conn)

    def series(self, datastream_id: int, start: datetime, end: datetime, resolution: str, bucket_hours: int = 1) -> list[SeriesPoint]:
        return self.rollups.series(datastream_id, start, end, resolution, bucket_hours)

    def series_count(self, datastream_id: int, start: datetime, end: datetime) -> int:
        return self.rollups.count(datastream_id, start, end)

    def hourly_rollups(self, datastream_ids: Sequence[int], start: datetime, end: datetime) -> list[HourlyRollup]:
        return self.rollups.hourly(datastream_ids, start, end)

    def numeric_results(self, datastream_ids: Sequence[int], start: datetime, end: datetime) -> Iterator[tuple[int, datetime, float]]:
        return self.rollups.numbers(datastream_ids, start, end)

    def observation_numbers(self, observation_ids: Sequence[int]) -> list[tuple[int, datetime, float]]:
        return observation_numbers(self.conn, observation_ids)

    def things_by_property_text(self, path: tuple[str, ...], values: Sequence[str]) -> list[int]:
        return things_by_property_text(self.conn, path, values)

    def datastream_facts(self, where: Mapping[str, Sequence[int]]) -> list[dict[str, Any]]:
        return datastream_facts(self.conn, where)

    def write_alerts(
        self, opened: Sequence[Mapping[str, Any]], resolved: Sequence[int], when: datetime,
        states: Sequence[tuple[int, datetime, Any]],
    ) -> list[int]:  # fmt: skip
        return write_alerts(self.conn, opened, resolved, when, states)

    def observation_chunk(
        self, stream: str, stream_ids: Sequence[int], start: datetime | None, end: datetime | None,
        after: tuple[int, datetime, int] | None, limit: int,
    ) -> list[ObservationChunkRow]:
        return observation_chunk(self.conn, stream, stream_ids, start, end, after, limit)

    # -- helpers ----------------------------------------------------------------------------
    def _streams_of_observations(self, ids: list[int]) -> set[tuple[str, int]]:
        stmt = select(observations.c.datastream_id, observations.c.multi_datastream_id).where(observations.c.id.in_(ids))
        return _stream_keys(self.conn.execute(stmt).all())

    def _streams_of_feature(self, feature_id: int) -> set[tuple[str, int]]:
        stmt = (
            select(observations.c.datastream_id, observations.c.multi_datastream_id)
            .where(observations.c.feature_of_interest_id == feature_id)
            .group_by(observations.c.datastream_id, observations.c.multi_datastream_id)
        )
        return _stream_keys(self.conn.execute(stmt).all())

    def count_all(self, entity: EntityType) -> int:
        table = TABLES[entity.name]
        return int(self.conn.execute(select(func.count()).select_from(table)).scalar_one())


def _stream_keys(rows: Sequence[Any]) -> set[tuple[str, int]]:
    keys: set[tuple[str, int]] = set()
    for ds, mds in rows:
        if ds is not None:
            keys.add(("Datastream", ds))
        if mds is not None:
            keys.add(("MultiDatastream", mds))
    return keys



def observation_row(values: Record) -> ObservationRow:
    """An ObservationRow from create values (phenomenonTime already a datetime or Interval)."""
    pt = values["phenomenonTime"]
    start, end = (pt.start, pt.end) if isinstance(pt, Interval) else (pt, pt)
    vt = values.get("validTime")
    return ObservationRow(
        phenomenon_time_start=start,
        phenomenon_time_end=end,
        result=values.get("result"),
        feature_of_interest_id=values["FeatureOfInterest"],
        datastream_id=values.get("Datastream"),
        multi_datastream_id=values.get("MultiDatastream"),
        result_time=values.get("resultTime"),
        result_quality=values.get("resultQuality"),
        valid_time_start=vt.start if vt is not None else None,
        valid_time_end=vt.end if vt is not None else None,
        parameters=values.get("parameters"),
    )


def observation_columns(row: ObservationRow) -> dict[str, Any]:
    kind, number, text, json_value = encode_result(row.result)
    return {
        "phenomenon_time_start": row.phenomenon_time_start,
        "phenomenon_time_end": row.phenomenon_time_end,
        "result_time": row.result_time,
        "result_type": kind,
        "result_number": number,
        "result_string": text,
        "result_json": json_value,
        "result_quality": row.result_quality,
        "valid_time_start": row.valid_time_start,
        "valid_time_end": row.valid_time_end,
        "parameters": row.parameters,
        "datastream_id": row.datastream_id,
        "multi_datastream_id": row.multi_datastream_id,
        "feature_of_interest_id": row.feature_of_interest_id,
    }

