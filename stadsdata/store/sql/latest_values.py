"""The latest value of every Datastream the caller may read, with its Thing, the Thing's first
Location and the ObservedProperty — in one query, for maps and dashboards. The latest
observation comes from the per-stream summary (`summary.py`), so the cost is one row per
stream, however long the history. Access: the caller's scope on Things, Locations,
Datastreams and Observations, applied in SQL like every other read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.engine import Connection

from stadsdata.model.entities import DATASTREAM, LOCATION, OBSERVATION, THING
from stadsdata.store.base import LatestValue
from stadsdata.store.schema import datastreams, locations, observations, observed_properties, things, things_locations
from stadsdata.store.sql.codec import decode_result
from stadsdata.store.sql.filter import FilterCompiler
from stadsdata.store.sql.reader import latest_observation_join


def latest_values(
    conn: Connection, compiler: FilterCompiler, observed_property: str | None = None, thing_ids: Sequence[int] | None = None
) -> list[LatestValue]:
    t, d, p, o, loc, link = things.c, datastreams.c, observed_properties.c, observations.c, locations.c, things_locations.c
    conditions: list[Any] = []
    for entity, table in ((DATASTREAM, datastreams), (THING, things)):
        clause = compiler.scope_clause(entity, table)
        if clause is not None:
            conditions.append(clause)
    # A Location or the latest Observation the caller may not see hides the stream's row.
    for entity, table, column in ((LOCATION, locations, loc.id), (OBSERVATION, observations, o.id)):
        clause = compiler.scope_clause(entity, table)
        if clause is not None:
            conditions.append(or_(column.is_(None), clause))
    if observed_property is not None:
        conditions.append(p.name == observed_property)
    if thing_ids is not None:
        conditions.append(t.id.in_(list(thing_ids)))
    firsts = select(link.thing_id, func.min(link.location_id).label("location_id")).group_by(link.thing_id)
    if thing_ids is not None:  # only these Things' links (not a pass over every Thing's)
        firsts = firsts.where(link.thing_id.in_(list(thing_ids)))
    first_location = firsts.subquery()
    # JSON columns as their text: the caller embeds it as is (no decoding and encoding again).
    stmt = (
        select(
            t.id, t.name, cast(t.properties, Text), cast(loc.location, Text), d.id, d.name, cast(d.unit_of_measurement, Text),
            p.name, o.phenomenon_time_start, o.result_type, o.result_number, o.result_string, o.result_json,
        )
        .select_from(
            datastreams.join(things, t.id == d.thing_id)
            .join(observed_properties, p.id == d.observed_property_id)
            .outerjoin(observations, latest_observation_join(observations, datastreams))
            .outerjoin(first_location, first_location.c.thing_id == t.id)
            .outerjoin(locations, loc.id == first_location.c.location_id)
        )
        .where(*conditions)
        .order_by(t.id, d.id)
    )  # fmt: skip
    return [
        LatestValue(thing, name, properties, location, stream, stream_name, unit, prop, time,
                    None if time is None else decode_result(kind, number, text, json_value))
        for thing, name, properties, location, stream, stream_name, unit, prop, time, kind, number, text, json_value
        in conn.execute(stmt)
    ]  # fmt: skip
