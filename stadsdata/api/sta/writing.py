"""POST, PATCH, PUT and DELETE on SensorThings resource paths (OGC 18-088 §10), including
`$ref` links and `CreateObservations`."""

from __future__ import annotations

import re
from typing import Any

from stadsdata.access.policy import AccessPolicy
from stadsdata.api.sta.paths import ResourcePath
from stadsdata.api.sta.reading import resolve
from stadsdata.api.sta.requests import JSON_PATCH, StaRequest, StaResponse
from stadsdata.api.sta.serialize import Serializer
from stadsdata.errors import BadRequest, MethodNotAllowed, NotFound
from stadsdata.model.entities import OBSERVATION, EntityType, relation
from stadsdata.query.ast import QueryOptions
from stadsdata.service.context import WriteContext
from stadsdata.service.create import (
    add_many,
    add_thing_location,
    check_multi_lengths,
    create,
    multi_datastreams_touched,
)
from stadsdata.service.observations import create_observations
from stadsdata.service.sink import observation_record
from stadsdata.service.update import delete, json_patch, patch, put
from stadsdata.service.values import entity_id
from stadsdata.store.base import ReadRequest, ScopeFn

_SELF_LINK_ID = re.compile(r"\((\d+)\)/?$")


class Writer:
    def __init__(self, access: AccessPolicy) -> None:
        self.access = access

    def post(self, ctx: WriteContext, req: StaRequest, path: ResourcePath, scope: ScopeFn) -> StaResponse:
        entity, entity_id_, parent = resolve(ctx.tx, path, scope)
        if path.ref:
            return self._add_ref(ctx, req, path, entity, entity_id_, parent)
        if entity_id_ is not None or path.property_name is not None:
            raise MethodNotAllowed("POST creates entities in a collection; use PATCH or PUT to change one")
        self.access.check_write(req.caller, entity, "create")
        body = req.json()
        implied: dict[str, int] = {}
        link_after: tuple[Any, str] | None = None
        if parent is not None:
            kind = relation(parent.entity.name, parent.nav)
            nav = parent.entity.nav(parent.nav)
            if kind == "one-to-many" and nav is not None and nav.inverse:
                implied[nav.inverse] = parent.id
            elif kind == "many-to-many":
                link_after = (parent, parent.nav)
        new_id = create(ctx, entity, body, implied=implied)
        if link_after is not None:
            parent_ref, nav_name = link_after
            add_many(ctx, parent_ref.entity, parent_ref.id, nav_name, [{"@iot.id": new_id}], field=nav_name)
        serializer = Serializer(req.service_root, req.version)
        location = serializer.self_link(entity, new_id)
        stored = ctx.stored.get(new_id) if entity.name == "Observation" else None
        if stored is not None:  # the row just written is the answer: no read back
            record = observation_record(new_id, stored)
        else:
            record = ctx.tx.read(ReadRequest(entity, QueryOptions(), id=new_id, top=1)).records[0]
        return StaResponse(201, serializer.entity(entity, record), headers={"location": location})

    def create_observations(self, ctx: WriteContext, req: StaRequest) -> StaResponse:
        self.access.check_write(req.caller, OBSERVATION, "create")
        ids = create_observations(ctx, req.json())
        serializer = Serializer(req.service_root, req.version)
        return StaResponse(201, [serializer.self_link(OBSERVATION, i) for i in ids])

    def update(self, ctx: WriteContext, req: StaRequest, path: ResourcePath, scope: ScopeFn) -> StaResponse:
        entity, entity_id_, parent = resolve(ctx.tx, path, scope)
        if path.ref:
            return self._set_ref(ctx, req, path, entity, entity_id_, parent)
        if entity_id_ is None or path.property_name is not None:
            raise MethodNotAllowed(f"{req.method} needs a single entity, e.g. {entity.set_name}(1)")
        if not ctx.tx.exists(entity, entity_id_, parent=parent, scope=scope):
            raise NotFound(f"{entity.set_name}({entity_id_}) does not exist")
        self.access.check_write(req.caller, entity, "update")
        if req.method == "PATCH" and req.media_type == JSON_PATCH:
            json_patch(ctx, entity, entity_id_, req.json(allow_patch=True))
        elif req.method == "PATCH":
            patch(ctx, entity, entity_id_, req.json())
        else:
            put(ctx, entity, entity_id_, req.json())
        serializer = Serializer(req.service_root, req.version)
        record = ctx.tx.read(ReadRequest(entity, QueryOptions(), id=entity_id_, top=1)).records[0]
        return StaResponse(200, serializer.entity(entity, record))

    def delete(self, ctx: WriteContext, req: StaRequest, path: ResourcePath, scope: ScopeFn) -> StaResponse:
        entity, entity_id_, parent = resolve(ctx.tx, path, scope)
        if path.ref:
            return self._remove_ref(ctx, req, path, entity, entity_id_, parent)
        if entity_id_ is None or path.property_name is not None:
            raise MethodNotAllowed("DELETE needs a single entity, e.g. Things(1)")
        if not ctx.tx.exists(entity, entity_id_, parent=parent, scope=scope):
            raise NotFound(f"{entity.set_name}({entity_id_}) does not exist")
        self.access.check_write(req.caller, entity, "delete")
        delete(ctx, entity, entity_id_)
        return StaResponse(200, None)

    # -- $ref ---------------------------------------------------------------------------------
    def _add_ref(self, ctx: WriteContext, req: StaRequest, path: ResourcePath, entity: EntityType, id_: Any, parent: Any) -> StaResponse:
        """POST Things(1)/Locations/$ref {"@iot.id": 2} adds a link to a to-many property."""
        if parent is None or id_ is not None or not path.last.many:
            raise MethodNotAllowed("POST .../$ref adds to a collection, e.g. Things(1)/Locations/$ref")
        self.access.check_write(req.caller, parent.entity, "update")
        target_id = _ref_id(req.json(), entity)
        if (parent.entity.name, parent.nav) in (("Thing", "Locations"), ("Location", "Things")):
            ctx.require_exists(entity, target_id, field="@iot.id")
            thing, location = (parent.id, target_id) if parent.entity.name == "Thing" else (target_id, parent.id)
            add_thing_location(ctx, thing, location)  # adds, where a deep insert replaces
        else:
            add_many(ctx, parent.entity, parent.id, parent.nav, [{"@iot.id": target_id}], field="@iot.id")
        return StaResponse(204, None)

    def _set_ref(self, ctx: WriteContext, req: StaRequest, path: ResourcePath, entity: EntityType, id_: Any, parent: Any) -> StaResponse:
        """PUT/PATCH Datastreams(1)/Thing/$ref {"@iot.id": 2} replaces a to-one link."""
        if parent is None or path.last.many:
            raise MethodNotAllowed("PUT .../$ref sets a single-valued link, e.g. Datastreams(1)/Thing/$ref")
        self.access.check_write(req.caller, parent.entity, "update")
        target_id = _ref_id(req.json(), entity)
        patch(ctx, parent.entity, parent.id, {parent.nav: {"@iot.id": target_id}})
        return StaResponse(204, None)

    def _remove_ref(self, ctx: WriteContext, req: StaRequest, path: ResourcePath, entity: EntityType, id_: Any, parent: Any) -> StaResponse:
        """DELETE Things(1)/Locations(2)/$ref removes one link."""
        if parent is None or id_ is None or not path.last.many or path.last.id is None:
            raise MethodNotAllowed("DELETE .../$ref removes one link, e.g. Things(1)/Locations(2)/$ref")
        self.access.check_write(req.caller, parent.entity, "update")
        if id_ not in ctx.tx.related_ids(parent.entity, parent.id, parent.nav):
            raise NotFound(f"{entity.set_name}({id_}) is not linked there")
        ctx.tx.unlink(parent.entity, parent.id, parent.nav, id_)
        for stream_id in multi_datastreams_touched(parent.entity, parent.id, parent.nav, [id_]):
            check_multi_lengths(ctx, stream_id)
        return StaResponse(204, None)


def _ref_id(body: Any, entity: EntityType) -> int:
    if not isinstance(body, dict):
        raise BadRequest('a reference is {"@iot.id": …} or {"@iot.selfLink": …}', field="body")
    if "@iot.id" in body:
        return entity_id(body["@iot.id"], field="@iot.id")
    link = body.get("@iot.selfLink")
    if isinstance(link, str):
        match = _SELF_LINK_ID.search(link)
        if match and f"/{entity.set_name}(" in link:
            return entity_id(match.group(1), field="@iot.selfLink")
    raise BadRequest(f'the reference must name a {entity.name}: {{"@iot.id": …}} or {{"@iot.selfLink": …}}', field="@iot.selfLink")
