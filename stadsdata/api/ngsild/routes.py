"""The NGSI-LD endpoints at /ngsi-ld/v1 (ETSI GS CIM 009 clause 6): entities (create, retrieve,
query, delete; attributes: update, append, partial update, delete), batch entity operations,
types and attributes discovery, the temporal retrieval of one entity and temporal queries."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from stadsdata.api.ngsild import discovery, selection
from stadsdata.api.ngsild.attributes import attribute_name, normalize, split_entity
from stadsdata.api.ngsild.batch import batch_operation
from stadsdata.api.ngsild.contexts import read_body
from stadsdata.api.ngsild.entities import normalized
from stadsdata.api.ngsild.errors import BadRequestData, ResourceNotFound
from stadsdata.api.ngsild.representation import feature, render, view
from stadsdata.api.ngsild.responses import NgsiLdRoute, answer, empty, wants_geojson
from stadsdata.api.ngsild.retrieval import entity_query
from stadsdata.api.ngsild.subscriptions.routes import build_router as subscription_routes
from stadsdata.api.ngsild.temporal import temporal_entity
from stadsdata.api.ngsild.temporal_query import temporal_query
from stadsdata.api.ngsild.writing import Writer
from stadsdata.platform import Platform

PREFIX = "/ngsi-ld/v1"


def build_router(platform: Platform) -> APIRouter:  # noqa: C901 - one closure per endpoint
    router = APIRouter(prefix=PREFIX, route_class=NgsiLdRoute, tags=["NGSI-LD"])

    def writer(request: Request) -> Writer:
        return Writer(platform, platform.authenticator.caller(request.headers, request.method))

    @router.get("/entities")
    def query_entities(request: Request) -> Response:
        params = request.query_params
        query, shown = entity_query(params), view(params)
        found = selection.select(
            platform.store, platform.core.access, writer(request).caller, f"{PREFIX}/entities", query
        )
        page, total = [normalized(s) for s in found.page], query.offset + found.total
        headers = {"NGSILD-Results-Count": str(found.count)} if query.count else {}
        links = _paging_links(request, query.offset, query.limit, total)
        if links:
            headers["Link"] = ", ".join(links)
        if wants_geojson(request):
            collection = {"type": "FeatureCollection", "features": [feature(e, shown) for e in page]}
            return _with_links(answer(request, collection, headers=headers, geo=True), links)
        return _with_links(answer(request, [render(e, shown) for e in page], headers=headers), links)

    @router.get("/entities/{entity_id}")
    def retrieve_entity(request: Request, entity_id: str) -> Response:
        shown = view(request.query_params)
        entity = normalized(writer(request).source(entity_id))
        if wants_geojson(request):
            return answer(request, feature(entity, shown), geo=True)
        return answer(request, render(entity, shown))

    @router.post("/entities")
    async def create_entity(request: Request) -> Response:
        body, _ = read_body(request.headers, await request.body())
        entity_id, entity_type, attributes = split_entity(body)
        writer(request).create(entity_id, entity_type, attributes)
        return empty(201, {"Location": f"{PREFIX}/entities/{entity_id}"})

    @router.delete("/entities/{entity_id}")
    def delete_entity(request: Request, entity_id: str) -> Response:
        w = writer(request)
        w.delete(w.source(entity_id))
        return empty()

    @router.patch("/entities/{entity_id}/attrs")
    async def update_attributes(request: Request, entity_id: str) -> Response:
        return await _update(request, entity_id, append=False)

    @router.post("/entities/{entity_id}/attrs")
    async def append_attributes(request: Request, entity_id: str) -> Response:
        options = {o.strip() for o in request.query_params.get("options", "").split(",") if o.strip()}
        return await _update(request, entity_id, append=True, overwrite="noOverwrite" not in options)

    async def _update(request: Request, entity_id: str, *, append: bool, overwrite: bool = True) -> Response:
        body, _ = read_body(request.headers, await request.body())
        if not isinstance(body, dict) or not body:
            raise BadRequestData("the body is a JSON object of attributes", field="body")
        attributes = {n: normalize(n, a) for n, a in body.items() if n not in ("@context", "id", "type")}
        w = writer(request)
        result = w.update(w.source(entity_id), attributes, append=append, overwrite=overwrite)
        return empty() if not result.not_updated else answer(request, result.body(), status=207)

    @router.patch("/entities/{entity_id}/attrs/{attr_id}")
    async def partial_attribute_update(request: Request, entity_id: str, attr_id: str) -> Response:
        body, _ = read_body(request.headers, await request.body())
        attribute = normalize(attribute_name(attr_id), body)
        w = writer(request)
        result = w.update(w.source(entity_id), {attr_id: attribute}, append=False)
        if result.not_updated:
            raise ResourceNotFound(f"entity {entity_id} has no attribute {attr_id}", field="attrId")
        return empty()

    @router.delete("/entities/{entity_id}/attrs/{attr_id}")
    def delete_attribute(request: Request, entity_id: str, attr_id: str) -> Response:
        w = writer(request)
        w.delete_attribute(w.source(entity_id), attr_id)
        return empty()

    @router.post("/entityOperations/{operation}")
    async def entity_operations(request: Request, operation: str) -> Response:
        body, _ = read_body(request.headers, await request.body())
        options = {o.strip() for o in request.query_params.get("options", "").split(",") if o.strip()}
        return batch_operation(request, writer(request), operation, body, options)

    @router.get("/types")
    def entity_types(request: Request) -> Response:
        details = request.query_params.get("details", "false") == "true"
        return answer(request, discovery.types(writer(request).visible(f"{PREFIX}/types"), details))

    @router.get("/types/{type_name}")
    def entity_type_info(request: Request, type_name: str) -> Response:
        return answer(request, discovery.type_info(writer(request).visible(f"{PREFIX}/types"), type_name))

    @router.get("/attributes")
    def attributes(request: Request) -> Response:
        details = request.query_params.get("details", "false") == "true"
        return answer(request, discovery.attributes(writer(request).visible(f"{PREFIX}/attributes"), details))

    @router.get("/attributes/{attr_name}")
    def attribute_info(request: Request, attr_name: str) -> Response:
        return answer(request, discovery.attribute_info(writer(request).visible(f"{PREFIX}/attributes"), attr_name))

    @router.get("/temporal/entities")
    def temporal_entities(request: Request) -> Response:
        path = f"{PREFIX}/temporal/entities"
        entities, found, query = temporal_query(platform, writer(request).caller, request.query_params, path)
        headers = {"NGSILD-Results-Count": str(found.count)} if query.count else {}
        links = _paging_links(request, query.offset, query.limit, query.offset + found.total, "/temporal/entities")
        if links:
            headers["Link"] = ", ".join(links)
        return _with_links(answer(request, entities, headers=headers), links)

    @router.get("/temporal/entities/{entity_id}")
    def temporal(request: Request, entity_id: str) -> Response:
        w = writer(request)
        return answer(request, temporal_entity(platform, w.caller, w.source(entity_id), request.query_params))

    router.include_router(subscription_routes(platform))  # /subscriptions (subscriptions/routes.py)
    return router


def _paging_links(request: Request, offset: int, limit: int, total: int, path: str = "/entities") -> list[str]:
    """`Link` rel=next / rel=prev of a query's page (clause 5.5.9)."""
    if limit == 0:
        return []
    base = {k: v for k, v in request.query_params.multi_items() if k != "offset"}
    links = []
    if offset + limit < total:
        links.append(f'<{PREFIX}{path}?{urlencode({**base, "offset": offset + limit})}>; rel="next"')
    if offset > 0:
        links.append(f'<{PREFIX}{path}?{urlencode({**base, "offset": max(0, offset - limit)})}>; rel="prev"')
    return links


def _with_links(response: Response, links: list[str]) -> Response:
    """The paging links beside the @context link (one `Link` header with all of them)."""
    if links and "link" in response.headers:
        context = response.headers["link"]
        if context not in links:
            del response.headers["link"]
            response.headers["Link"] = ", ".join([context, *links])
    return response
