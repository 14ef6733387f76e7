"""GET on SensorThings resource paths: collections, entities, properties, `$value`, `$ref`,
`$resultFormat=dataArray`, with `@iot.nextLink` paging."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from stadsdata.api.sta.paths import ResourcePath
from stadsdata.api.sta.requests import StaRequest, StaResponse
from stadsdata.api.sta.serialize import Serializer
from stadsdata.errors import BadRequest, NotFound
from stadsdata.model.entities import ENTITY_TYPES, EntityType, Kind
from stadsdata.query.ast import Expand, QueryOptions
from stadsdata.query.limits import DEFAULT_LIMITS, QueryLimits
from stadsdata.query.parser import parse_query_options
from stadsdata.service.values import format_value
from stadsdata.store.base import ParentRef, ReadRequest, ScopeFn, Transaction
from stadsdata.store.sql.reader import merge_expands


def resolve(tx: Transaction, path: ResourcePath, scope: ScopeFn) -> tuple[EntityType, int | None, ParentRef | None]:
    """Walk the path: every entity on the way must exist, be related to the previous one and be
    visible to the caller. Returns (target entity type, id or None for a collection, parent)."""
    first = path.steps[0]
    entity, entity_id, parent = first.entity, first.id, None
    for step in path.steps[1:]:
        assert entity_id is not None
        if not tx.exists(entity, entity_id, parent=parent, scope=scope):
            raise NotFound(f"{entity.set_name}({entity_id}) does not exist")
        assert step.nav is not None
        next_parent = ParentRef(entity, entity_id, step.nav)
        if step.many:
            entity_id = step.id
        else:
            ids = tx.related_ids(entity, entity_id, step.nav)
            if not ids:
                raise NotFound(f"{entity.set_name}({entity_id})/{step.nav} does not exist")
            entity_id = ids[0]
        entity, parent = step.entity, next_parent
    return entity, entity_id, parent


_SAFE = "$,()/'"


class Reader:
    def __init__(self, *, default_top: int, max_top: int, limits: QueryLimits = DEFAULT_LIMITS) -> None:
        self.default_top = default_top
        self.max_top = max_top
        self.limits = limits

    def get(self, tx: Transaction, req: StaRequest, path: ResourcePath, scope: ScopeFn) -> StaResponse:
        params = req.params
        options = parse_query_options(params, self.limits)
        options.expand = _normalised(options.expand)  # the serializer needs `A/B(..)` as `A($expand=B(..))`
        serializer = Serializer(req.service_root, req.version)
        entity, entity_id, parent = resolve(tx, path, scope)
        if options.result_format is None:  # dataArray components (e.g. FeatureOfInterest/id) differ
            _check_select(entity, options, "$select", params.get("$select", ""), params.get("$expand", ""))
        if path.ref:
            options = QueryOptions(select=["id"], top=options.top, skip=options.skip, count=options.count, filter=options.filter, orderby=options.orderby)
        if entity_id is None:
            return self._collection(tx, req, path, entity, parent, options, params, serializer, scope)
        if path.property_name is not None:
            options = QueryOptions()
        elif options.top is not None or options.skip or options.count or options.filter is not None or options.orderby:
            options = QueryOptions(select=options.select, expand=options.expand)
        result = tx.read(
            ReadRequest(entity, options, parent=parent, id=entity_id, scope=scope, top=1, max_top=self.max_top, default_top=self.default_top)
        )
        if not result.records:
            raise NotFound(f"{entity.set_name}({entity_id}) does not exist")
        record = result.records[0]
        if path.ref:
            return StaResponse(200, {"@iot.selfLink": serializer.self_link(entity, entity_id)})
        if path.property_name is not None:
            return _property(entity, record, path.property_name, path.value)
        return StaResponse(200, serializer.entity(entity, record, options))

    def _collection(
        self,
        tx: Transaction,
        req: StaRequest,
        path: ResourcePath,
        entity: EntityType,
        parent: ParentRef | None,
        options: QueryOptions,
        params: dict[str, str],
        serializer: Serializer,
        scope: ScopeFn,
    ) -> StaResponse:
        if path.property_name is not None:
            raise NotFound("a property needs a single entity")
        top = min(options.top if options.top is not None else self.default_top, self.max_top)
        result = tx.read(
            ReadRequest(entity, options, parent=parent, scope=scope, top=top, max_top=self.max_top, default_top=self.default_top)
        )
        next_link = None
        if result.has_more and top > 0:  # with $top=0 the "next" page would be this one again
            query = {k: v for k, v in params.items() if k not in ("$top", "$skip")}
            query["$top"] = str(top)
            query["$skip"] = str(options.skip + top)
            next_link = f"{req.service_root}/{req.path.strip('/')}?{urlencode(query, safe=_SAFE)}"
        if path.ref:
            refs = [{"@iot.selfLink": serializer.self_link(entity, r["id"])} for r in result.records]
            body: dict[str, Any] = {}
            if result.count is not None:
                body["@iot.count"] = result.count
            if next_link:
                body["@iot.nextLink"] = next_link
            body["value"] = refs
            return StaResponse(200, body)
        if options.result_format is not None:
            if options.result_format != "dataArray":
                raise BadRequest(f"unknown $resultFormat '{options.result_format}'", field="$resultFormat")
            if entity.name != "Observation":
                raise BadRequest("$resultFormat=dataArray applies to Observations", field="$resultFormat")
            return StaResponse(200, serializer.data_array(result.records, options, count=result.count, next_link=next_link))
        return StaResponse(
            200, serializer.collection(entity, result.records, options, count=result.count, next_link=next_link)
        )


def _property(entity: EntityType, record: dict[str, Any], name: str, raw: bool) -> StaResponse:
    if name == "id":
        value: Any = record["id"]
    else:
        prop = entity.prop(name)
        assert prop is not None
        value = format_value(prop, record.get(name))
    if not raw:
        return StaResponse(200, {name: value})
    if value is None:
        return StaResponse(204, None)
    if isinstance(value, str):
        return StaResponse(200, value.encode(), content_type="text/plain; charset=utf-8")
    return StaResponse(200, value)


def _normalised(expands: list[Expand]) -> list[Expand]:
    """Expand items with paths split into nested items and merged per navigation property, at
    every level (as the store reads them), so that nested $select/$expand and nextLinks apply."""
    merged = merge_expands(expands)
    for item in merged:
        item.options.expand = _normalised(item.options.expand)
    return merged


def _check_select(entity: EntityType, options: QueryOptions, field: str, text: str, expand_text: str) -> None:
    """Refuse `$select` names that are not properties (or JSON paths into one) or navigation
    properties of `entity`, and `$expand` items that are not navigation properties, at every
    level. `text`/`expand_text` are the options as sent; positions are where a name first occurs."""
    for name in options.select or ():
        head, _, rest = name.partition("/")
        prop = entity.prop(head)
        if not rest and (head == "id" or entity.nav(head) is not None):
            continue
        if prop is not None and (not rest or prop.kind in (Kind.JSON, Kind.ANY, Kind.JSON_LIST)):
            continue
        raise BadRequest(f"{entity.name} has no property '{name}' to select", field=field, position=_find(text, head))
    for item in options.expand:
        nav = entity.nav(item.path[0])
        if nav is None:
            detail = f"{entity.name} has no navigation property '{item.path[0]}'"
            raise BadRequest(detail, field="$expand", position=_find(expand_text, item.path[0]))
        _check_select(ENTITY_TYPES[nav.target], item.options, "$expand", expand_text, expand_text)


def _find(text: str, name: str) -> int | None:
    match = re.search(rf"(?<![A-Za-z0-9_.@]){re.escape(name)}(?![A-Za-z0-9_])", text)
    return match.start() if match else None
