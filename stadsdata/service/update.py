"""Update and delete entities (OGC 18-088 §10.3, §10.4): PATCH (merge), PUT (replace),
JSON Patch (RFC 6902) and DELETE.

An update changes links to existing entities (`"Sensor": {"@iot.id": 2}`,
`"Locations": [{"@iot.id": 3}]`) but creates none: a related entity given inline without
`@iot.id` is a 400 naming it. That is OData 4.0's rule (Part 1 §11.4.3: an update request
carries no related entities as inline content; deep updates came with 4.01), on which 18-088
§10.3 builds; the related entity is created with its own POST, or the update links to it."""

from __future__ import annotations

from typing import Any

import jsonpatch

from stadsdata.errors import BadRequest, NotFound
from stadsdata.model.entities import ENTITY_TYPES, EntityType
from stadsdata.query.ast import QueryOptions
from stadsdata.service.context import WriteContext
from stadsdata.service.create import COMPLEX_OBSERVATION, add_many, check_multi_lengths, create
from stadsdata.service.values import format_value, split_body
from stadsdata.store.base import ReadRequest


def patch(ctx: WriteContext, entity: EntityType, id: int, body: Any) -> None:
    """Set the given properties; links in to-one navigation properties are replaced, links in
    to-many ones added (a Thing's Locations are replaced and recorded in its history)."""
    _require(ctx, entity, id)
    props, navs = split_body(entity, body, field="", version=ctx.version)
    _apply(ctx, entity, id, props, navs)


def put(ctx: WriteContext, entity: EntityType, id: int, body: Any) -> None:
    """Replace all writable properties: required ones must be given, others become null."""
    _require(ctx, entity, id)
    props, navs = split_body(entity, body, field="", version=ctx.version)
    for prop in entity.props_for(ctx.version):
        if prop.read_only or prop.name in props:
            continue
        if prop.required or not prop.nullable:
            if entity.name == "Observation" and prop.name == "phenomenonTime":
                props[prop.name] = ctx.now
                continue
            raise BadRequest(f"PUT needs every required property; '{prop.name}' is missing", field=prop.name)
        props[prop.name] = None
    _apply(ctx, entity, id, props, navs)


def json_patch(ctx: WriteContext, entity: EntityType, id: int, operations: Any) -> None:
    """Apply RFC 6902 operations to the entity's JSON properties, then save what changed."""
    if not isinstance(operations, list):
        raise BadRequest("a JSON Patch document must be an array of operations", field="body")
    current = current_json(ctx, entity, id)
    try:
        patched = jsonpatch.JsonPatch(operations).apply(current)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError, ValueError) as exc:
        raise BadRequest(f"the JSON Patch cannot be applied: {exc}", field="body") from None
    if not isinstance(patched, dict):
        raise BadRequest("the JSON Patch must leave an object", field="body")
    changed = {k: v for k, v in patched.items() if current.get(k, _MISSING) != v}
    removed = [k for k in current if k not in patched]
    for key in removed:
        changed[key] = None
    props, navs = split_body(entity, changed, field="", version=ctx.version)
    _apply(ctx, entity, id, props, navs)


def delete(ctx: WriteContext, entity: EntityType, id: int) -> None:
    _require(ctx, entity, id)
    ctx.tx.delete(entity, id)


def current_json(ctx: WriteContext, entity: EntityType, id: int) -> dict[str, Any]:
    result = ctx.tx.read(ReadRequest(entity, QueryOptions(), id=id, top=1))
    if not result.records:
        raise NotFound(f"{entity.set_name}({id}) does not exist")
    record = result.records[0]
    return {
        p.name: format_value(p, record.get(p.name))
        for p in entity.props_for(ctx.version)
        if not p.read_only
    }


_MISSING = object()


def _require(ctx: WriteContext, entity: EntityType, id: int) -> None:
    if not ctx.tx.exists(entity, id):
        raise NotFound(f"{entity.set_name}({id}) does not exist")


def _require_links_only(entity: EntityType, navs: dict[str, Any]) -> None:
    """Every related entity in an update is a link to an existing one: {"@iot.id": …}."""
    for name, value in navs.items():
        nav = entity.nav(name)
        assert nav is not None
        if not nav.many:
            if value is not None and not _is_link(value):
                raise _not_a_link(name, nav.target)
            continue
        if not isinstance(value, list):
            raise BadRequest(f"{name} must be a JSON array", field=name)
        for index, item in enumerate(value):
            if not _is_link(item):
                raise _not_a_link(f"{name}[{index}]", nav.target)


def _is_link(value: Any) -> bool:
    return isinstance(value, dict) and "@iot.id" in value


def _not_a_link(field: str, target: str) -> BadRequest:
    return BadRequest(
        f'{field}: an update links to an existing {target} ({{"@iot.id": …}}) and creates none; '
        f"create the {target} first (POST), then link it",
        field=field,
    )


def _apply(ctx: WriteContext, entity: EntityType, id: int, props: dict[str, Any], navs: dict[str, Any]) -> None:
    _require_links_only(entity, navs)
    values = dict(props)
    many: dict[str, Any] = {}
    for name, value in navs.items():
        nav = entity.nav(name)
        assert nav is not None
        if nav.many:
            many[name] = value  # linked after the properties are saved, so checks see both
            continue
        if value is None:
            if nav.required:
                raise BadRequest(f"{entity.name}.{name} cannot be removed", field=name)
            values[name] = None
            continue
        values[name] = create(ctx, ENTITY_TYPES[nav.target], value, field=name)
    if entity.name == "Observation" and values.keys() & {"result", "parameters", "Datastream", "MultiDatastream", "FeatureOfInterest"}:
        _check_observation(ctx, id, values)
    if entity.name == "MultiDatastream" and values.get("observationType", COMPLEX_OBSERVATION) != COMPLEX_OBSERVATION:
        raise BadRequest(f"a MultiDatastream's observationType must be {COMPLEX_OBSERVATION}", field="observationType")
    ctx.tx.update(entity, id, values)
    for name, value in many.items():
        add_many(ctx, entity, id, name, value, field=name)
    changed = values.keys() & {"unitOfMeasurements", "multiObservationDataTypes"}
    if entity.name == "MultiDatastream" and changed:
        check_multi_lengths(ctx, id, field=sorted(changed)[-1])


def _check_observation(ctx: WriteContext, id: int, values: dict[str, Any]) -> None:
    """After the change the Observation still has its FeatureOfInterest and belongs to exactly
    one Datastream or MultiDatastream, whose width its result matches."""
    if "FeatureOfInterest" in values and values["FeatureOfInterest"] is None:
        raise BadRequest("Observation.FeatureOfInterest cannot be removed", field="FeatureOfInterest")
    links: dict[str, Any] = {}
    for name in ("Datastream", "MultiDatastream"):
        if name in values:
            links[name] = values[name]
        else:
            ids = ctx.tx.related_ids(ENTITY_TYPES["Observation"], id, name)
            links[name] = ids[0] if ids else None
    if links["Datastream"] is None and links["MultiDatastream"] is None:
        raise BadRequest("an Observation needs a Datastream or MultiDatastream", field="Datastream")
    if links["Datastream"] is not None and links["MultiDatastream"] is not None:
        field = "MultiDatastream" if "MultiDatastream" in values else "Datastream"
        raise BadRequest("an Observation belongs to a Datastream or a MultiDatastream, not both", field=field)
    _protect(ctx, id, values, links)
    stream = links["MultiDatastream"]
    if stream is None or not values.keys() & {"result", "MultiDatastream"}:
        return
    result = values["result"] if "result" in values else current_json(ctx, ENTITY_TYPES["Observation"], id)["result"]
    width = ctx.multi_width(stream)
    if not isinstance(result, list) or len(result) != width:
        raise BadRequest(f"the result of a MultiDatastream Observation must be an array of {width} values", field="result")


def _protect(ctx: WriteContext, id: int, values: dict[str, Any], links: dict[str, Any]) -> None:
    """A changed result or parameters, or an Observation moved to another stream, is stored with
    the personal fields of its (new) stream's dataset pseudonymised."""
    if ctx.pseudonymiser is None or not values.keys() & {"result", "parameters", "Datastream", "MultiDatastream"}:
        return
    stream = "Datastream" if links["Datastream"] is not None else "MultiDatastream"
    current = current_json(ctx, ENTITY_TYPES["Observation"], id) if not values.keys() >= {"result", "parameters"} else {}
    result = values["result"] if "result" in values else current.get("result")
    parameters = values["parameters"] if "parameters" in values else current.get("parameters")
    new_result, new_parameters = ctx.protect(stream, links[stream], result, parameters)
    if new_result != result:
        values["result"] = new_result
    if new_parameters != parameters:
        values["parameters"] = new_parameters
