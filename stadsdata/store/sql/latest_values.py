"""The latest value of every Datastream the caller may read, with its Thing, the Thing's first
Location and the ObservedProperty — in two queries (streams, then their Things), for maps and
dashboards. The latest
observation comes from the per-stream summary (`summary.py`), so the cost is one row per
stream, however long the history. Access: the caller's scope on Things, Locations,
Datastreams and Observations, applied in SQL like every other read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.engine import Connection

from stadsdata.model.entities import DATASTREAM, LOCATION, OBSERVATION, THING
from stadsdata.store.base import LatestValue
from stadsdata.store.schema import datastreams, locations, observations, observed_properties, things, things_locations
from stadsdata.store.sql.codec import decode_result
from stadsdata.store.sql.filter import FilterCompiler
from stadsdata.store.sql.reader import latest_observation_join


def latest_values(conn: Connection, compiler: FilterCompiler, observed_property: str | None = None) -> list[LatestValue]:
    t, d, p, o, loc, link = things.c, datastreams.c, observed_properties.c, observations.c, locations.c, things_locations.c
    stream_conditions: list[Any] = []
    for entity, table in ((DATASTREAM, datastreams), (THING, things)):
        clause = compiler.scope_clause(entity, table)
        if clause is not None:
            stream_conditions.append(clause)
    observation_scope = compiler.scope_clause(OBSERVATION, observations)
    if observation_scope is not None:
        stream_conditions.append(or_(o.id.is_(None), observation_scope))
    if observed_property is not None:
        stream_conditions.append(p.name == observed_property)
    # JSON columns as their text: the caller embeds it as is (no decoding and encoding again).
    streams = conn.execute(
        select(
            d.thing_id, d.id, d.name, cast(d.unit_of_measurement, Text), p.name, o.phenomenon_time_start, o.result_type,
            o.result_number, o.result_string, o.result_json,
        )
        .select_from(
            datastreams.join(things, t.id == d.thing_id)
            .join(observed_properties, p.id == d.observed_property_id)
            .outerjoin(observations, latest_observation_join(observations, datastreams))
        )
        .where(*stream_conditions)
        .order_by(d.thing_id, d.id)
    ).all()  # fmt: skip
    if not streams:
        return []
    # Each Thing once, with its first Location (visible to the caller).
    first = select(link.thing_id, func.min(link.location_id).label("location_id")).group_by(link.thing_id).subquery()
    thing_conditions: list[Any] = [t.id.in_(select(d.thing_id).select_from(datastreams.join(things, t.id == d.thing_id)
                                                                            .join(observed_properties, p.id == d.observed_property_id)
                                                                            .outerjoin(observations, latest_observation_join(observations, datastreams)))
                                            .where(*stream_conditions))]  # fmt: skip
    location_scope = compiler.scope_clause(LOCATION, locations)
    if location_scope is not None:
        thing_conditions.append(or_(loc.id.is_(None), location_scope))
    places = {
        row[0]: row
        for row in conn.execute(
            select(t.id, t.name, cast(t.properties, Text), cast(loc.location, Text))
            .select_from(things.outerjoin(first, first.c.thing_id == t.id).outerjoin(locations, loc.id == first.c.location_id))
            .where(*thing_conditions)
        )
    }  # fmt: skip
    out = []
    for thing_id, stream_id, name, unit, prop, time, kind, number, text, json_value in streams:
        place = places.get(thing_id)
        if place is None:  # a Location the caller may not see hides the Thing's position, not its streams
            continue
        result = None if time is None else decode_result(kind, number, text, json_value)
        out.append(LatestValue(thing_id, place[1], place[2], place[3], stream_id, name, unit, prop, time, result))
    return out
