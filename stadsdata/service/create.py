"""Create entities, with deep insert and links to existing entities (OGC 18-088 §10.2).

A nested object carrying `@iot.id` is a link to an existing entity, even when it carries other
properties. Everything of one request happens in the caller's transaction, so a failing part
rolls back the whole deep insert.
"""

from __future__ import annotations

from typing import Any

from stadsdata.errors import BadRequest
from stadsdata.model.entities import ENTITY_TYPES, HISTORICAL_LOCATION, THING, EntityType, relation
from stadsdata.query.ast import QueryOptions
from stadsdata.service.context import WriteContext
from stadsdata.service.sink import Reading, store_readings
from stadsdata.service.values import entity_id, require, split_body
from stadsdata.store.base import ReadRequest

COMPLEX_OBSERVATION = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation"


def create(ctx: WriteContext, entity: EntityType, body: Any, *, implied: dict[str, int] | None = None, field: str = "") -> int:
    """Create `entity` from `body` (or link to it when it has '@iot.id' and is nested) and return
    its id. `implied` gives to-one links that follow from the URL or the enclosing entity,
    e.g. {'Thing': 5} for POST Things(5)/Datastreams."""
    if isinstance(body, dict) and "@iot.id" in body and field:
        target_id = entity_id(body["@iot.id"], field=f"{field}/@iot.id")
        ctx.require_exists(entity, target_id, field=field)
        return target_id
    props, navs = split_body(entity, body, field=field, version=ctx.version)
    values: dict[str, Any] = dict(props)
    implied = implied or {}
    for nav in entity.navs:
        if nav.many:
            continue
        if nav.name in navs:
            if nav.name in implied:
                raise BadRequest(f"{nav.name} is already given by the URL or enclosing entity", field=_f(field, nav.name))
            target = ENTITY_TYPES[nav.target]
            values[nav.name] = create(ctx, target, navs[nav.name], field=_f(field, nav.name))
        elif nav.name in implied:
            values[nav.name] = implied[nav.name]
    if entity.name == "Observation":
        return _store_observation(ctx, values, field)
    _complete(ctx, entity, values, navs, field)
    require(entity, values, field=field, version=ctx.version)
    _require_links(entity, values, navs, field)
    new_id = ctx.tx.insert(entity, values)
    ctx.facts.clear()  # what was read of streams (Things, Locations, features) may have changed
    for nav in entity.navs:
        if nav.many and nav.name in navs:
            add_many(ctx, entity, new_id, nav.name, navs[nav.name], field=_f(field, nav.name), on_create=True)
    return new_id


def add_many(
    ctx: WriteContext, entity: EntityType, id: int, nav_name: str, items: Any, *, field: str, on_create: bool = False
) -> list[int]:
    """Create or link the members of a to-many navigation property of entity(id)."""
    if not isinstance(items, list):
        raise BadRequest(f"{field} must be a JSON array", field=field)
    nav = entity.nav(nav_name)
    assert nav is not None
    target = ENTITY_TYPES[nav.target]
    kind = relation(entity.name, nav_name)
    ids: list[int] = []
    for index, item in enumerate(items):
        item_field = f"{field}[{index}]"
        if kind == "one-to-many":
            implied = {nav.inverse: id} if nav.inverse else {}
            if isinstance(item, dict) and "@iot.id" in item:
                target_id = create(ctx, target, item, field=item_field)
                ctx.tx.update(target, target_id, {nav.inverse: id} if nav.inverse else {})
                ids.append(target_id)
            else:
                ids.append(create(ctx, target, item, field=item_field, implied=implied))
        else:
            ids.append(create(ctx, target, item, field=item_field))
    if kind == "many-to-many":
        if (entity.name, nav_name) == ("Thing", "Locations"):
            set_thing_locations(ctx, id, ids)
        elif (entity.name, nav_name) == ("Location", "Things"):
            for thing_id in ids:
                set_thing_locations(ctx, thing_id, [id])
        else:
            ctx.tx.link(entity, id, nav_name, ids, replace=False)
            for stream_id in multi_datastreams_touched(entity, id, nav_name, ids):
                check_multi_lengths(ctx, stream_id)
    return ids


def multi_datastreams_touched(entity: EntityType, id: int, nav_name: str, ids: list[int]) -> list[int]:
    """The MultiDatastreams whose ObservedProperties a link change between the two affects."""
    if (entity.name, nav_name) == ("MultiDatastream", "ObservedProperties"):
        return [id]
    if (entity.name, nav_name) == ("ObservedProperty", "MultiDatastreams"):
        return list(ids)
    return []


def check_multi_lengths(ctx: WriteContext, id: int, *, field: str = "ObservedProperties") -> None:
    """unitOfMeasurements, multiObservationDataTypes and ObservedProperties stay of one length (§12)."""
    multi = ENTITY_TYPES["MultiDatastream"]
    record = ctx.tx.read(ReadRequest(multi, QueryOptions(), id=id, top=1)).records[0]
    observed = ctx.tx.related_ids(multi, id, "ObservedProperties")
    if not len(record["unitOfMeasurements"]) == len(record["multiObservationDataTypes"]) == len(observed):
        raise BadRequest(
            "unitOfMeasurements, multiObservationDataTypes and ObservedProperties must have the same length",
            field=field,
        )


def set_thing_locations(ctx: WriteContext, thing_id: int, location_ids: list[int]) -> None:
    """Make these the Thing's current Locations and record a HistoricalLocation (§8.2.3)."""
    if not location_ids:
        return
    ctx.tx.link(THING, thing_id, "Locations", location_ids, replace=True)
    ctx.facts.clear()  # the streams' first Location may be another now
    historical_id = ctx.tx.insert(HISTORICAL_LOCATION, {"time": ctx.now, "Thing": thing_id})
    ctx.tx.link(HISTORICAL_LOCATION, historical_id, "Locations", location_ids)


def add_thing_location(ctx: WriteContext, thing_id: int, location_id: int) -> None:
    """Add a Location to the Thing's current ones (POST .../$ref adds a link, OData §11.4.6.1);
    the new set of current Locations is recorded in a HistoricalLocation."""
    current = ctx.tx.related_ids(THING, thing_id, "Locations")
    if location_id not in current:
        set_thing_locations(ctx, thing_id, [*current, location_id])


def _complete(ctx: WriteContext, entity: EntityType, values: dict[str, Any], navs: dict[str, Any], field: str) -> None:
    """Entity-specific defaults and checks."""
    if entity.name == "MultiDatastream":
        _check_multi_datastream(values, navs, field)
    elif entity.name == "HistoricalLocation":
        values.setdefault("time", ctx.now)


def _store_observation(ctx: WriteContext, values: dict[str, Any], field: str) -> int:
    """An Observation is stored through the observation sink, as every observation is: the caller
    may add to the stream, personal fields are pseudonymised, a MultiDatastream's result has its
    width, the FeatureOfInterest defaults to the one of the Thing's Location. The times default to
    now and none."""
    if "result" not in values:
        raise BadRequest("Observation needs 'result'", field=_f(field, "result"))
    stream, stream_id = _observation_stream(values, field)
    ctx.guard_stream(stream, stream_id, field=_f(field, stream))
    reading = Reading(
        values.get("phenomenonTime") or ctx.now, values["result"], values.get("Datastream"), values.get("MultiDatastream"),
        values.get("parameters"), values.get("resultTime"), values.get("resultQuality"), values.get("validTime"),
        values.get("FeatureOfInterest"), None, field,
    )  # fmt: skip
    return store_readings(ctx, [reading], streams_checked=True, keep_rows=True).ids[0]


def _observation_stream(values: dict[str, Any], field: str) -> tuple[str, int]:
    """('Datastream' or 'MultiDatastream', its id): the one stream an Observation belongs to."""
    stream = "Datastream" if values.get("Datastream") is not None else "MultiDatastream"
    stream_id = values.get(stream)
    if values.get("Datastream") is not None and values.get("MultiDatastream") is not None:
        raise BadRequest("an Observation belongs to a Datastream or a MultiDatastream, not both", field=_f(field, "MultiDatastream"))
    if stream_id is None:
        raise BadRequest("Observation needs a Datastream or MultiDatastream", field=_f(field, "Datastream"))
    return stream, stream_id


def _check_multi_datastream(values: dict[str, Any], navs: dict[str, Any], field: str) -> None:
    """A MultiDatastream is a complex observation with one unit and data type per ObservedProperty."""
    if values.get("observationType") not in (None, COMPLEX_OBSERVATION):
        raise BadRequest(f"a MultiDatastream's observationType must be {COMPLEX_OBSERVATION}", field=_f(field, "observationType"))
    units, types = values.get("unitOfMeasurements"), values.get("multiObservationDataTypes")
    observed = navs.get("ObservedProperties")
    if units is not None and types is not None and len(units) != len(types):
        raise BadRequest("unitOfMeasurements and multiObservationDataTypes differ in length", field=_f(field, "unitOfMeasurements"))
    if isinstance(observed, list) and units is not None and len(observed) != len(units):
        raise BadRequest("ObservedProperties and unitOfMeasurements differ in length", field=_f(field, "ObservedProperties"))


def _require_links(entity: EntityType, values: dict[str, Any], navs: dict[str, Any], field: str) -> None:
    for nav in entity.navs:
        if not nav.required:
            continue
        present = values.get(nav.name) is not None if not nav.many else bool(navs.get(nav.name))
        if not present:
            raise BadRequest(f"{entity.name} needs a link to its {nav.name}", field=_f(field, nav.name))


def _f(field: str, name: str) -> str:
    return f"{field}/{name}" if field else name

