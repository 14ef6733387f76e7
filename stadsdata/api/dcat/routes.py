"""The DCAT endpoints: the catalog, paged (`?page=N`, `?page_size=K`), at /catalog.ttl,
/catalog.jsonld and /catalog.rdf and at /catalog by content negotiation (Turtle unless HTML is
asked for); one dataset (by id or name) at /datasets/{id}.ttl|.jsonld|.rdf and at
/datasets/{id} when Accept asks for one of those (other requests fall through to the web UI's
page). What each caller is shown is the catalog core's decision (`Catalog.entries/entry`)."""

# No `from __future__ import annotations`: FastAPI reads these annotations.
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from stadsdata.api.dcat.datasets import described
from stadsdata.api.dcat.negotiation import FORMATS, TURTLE, RdfFormat, chosen_format, negotiated_route
from stadsdata.api.dcat.pages import CatalogFacts, Paging, catalog_graph, dataset_graph
from stadsdata.api.dcat.render import Rendered, Renderer, fingerprint
from stadsdata.api.sta.routes import base_url
from stadsdata.errors import NotFound
from stadsdata.platform import Platform

PAGE_SIZE = 100  # datasets per page, as ckanext-dcat's default
MAX_PAGE_SIZE = 1000
READ = ["GET", "HEAD"]  # harvesters check a document with HEAD
Page = Annotated[int, Query(ge=1, le=10**6, description="the page, from 1")]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"datasets per page (default {PAGE_SIZE})")]
CatalogPage = Callable[[Request, RdfFormat, int, int], Response]
DatasetDocument = Callable[[Request, RdfFormat, str], Response]


def build_routers(platform: Platform) -> list[APIRouter]:
    """In matching order: the suffixed paths, then the negotiated ones."""
    catalog, renderer, settings = platform.catalog, Renderer(), platform.settings
    suffixed = APIRouter(include_in_schema=False)
    by_accept = APIRouter(include_in_schema=False, route_class=negotiated_route(default=TURTLE))
    only_rdf = APIRouter(include_in_schema=False, route_class=negotiated_route(default=None))

    def catalog_page(request: Request, fmt: RdfFormat, page: int, page_size: int) -> Response:
        entries = [described(e) for e in catalog.entries(platform.authenticator.caller(request.headers, request.method))]
        facts = CatalogFacts.of(entries)
        base = base_url(request, settings)
        size_part = "" if page_size == PAGE_SIZE else f"&page_size={page_size}"
        paging = Paging(page, page_size, len(entries), f"{base}/catalog.{fmt.suffix}?page={{page}}{size_part}")
        if page > paging.last:
            raise NotFound(f"page {page} is past the last page of the catalog ({paging.last})", field="page")
        shown = entries[(page - 1) * page_size : page * page_size]
        key = ("catalog", base, facts, paging, tuple(fingerprint(e) for e in shown))
        rendered = renderer.render(key, fmt, lambda: catalog_graph(base, shown, facts, paging))
        return _answer(request, rendered, fmt)

    def dataset(request: Request, fmt: RdfFormat, key: str) -> Response:
        entry = described(catalog.entry(platform.authenticator.caller(request.headers, request.method), key[:200]))
        base = base_url(request, settings)
        rendered = renderer.render(("dataset", base, fingerprint(entry)), fmt, lambda: dataset_graph(base, entry))
        return _answer(request, rendered, fmt)

    for fmt in FORMATS.values():
        _add_suffixed(suffixed, fmt, catalog_page, dataset)

    @by_accept.api_route("/catalog", methods=READ)
    def negotiated_catalog(request: Request, page: Page = 1, page_size: PageSize = PAGE_SIZE) -> Response:
        return catalog_page(request, chosen_format(request), page, page_size)

    @only_rdf.api_route("/datasets/{key}", methods=READ)
    def negotiated_dataset(request: Request, key: str) -> Response:
        return dataset(request, chosen_format(request), key)

    return [suffixed, by_accept, only_rdf]


def _add_suffixed(router: APIRouter, fmt: RdfFormat, catalog_page: CatalogPage, dataset: DatasetDocument) -> None:
    @router.api_route(f"/catalog.{fmt.suffix}", methods=READ, name=f"catalog_{fmt.suffix}")
    def suffixed_catalog(request: Request, page: Page = 1, page_size: PageSize = PAGE_SIZE) -> Response:
        return catalog_page(request, fmt, page, page_size)

    @router.api_route(f"/datasets/{{key}}.{fmt.suffix}", methods=READ, name=f"dataset_{fmt.suffix}")
    def suffixed_dataset(request: Request, key: str) -> Response:
        return dataset(request, fmt, key)


def _answer(request: Request, rendered: Rendered, fmt: RdfFormat) -> Response:
    headers = {"ETag": rendered.etag, "Vary": "Accept, Authorization, Cookie", "Cache-Control": "private, no-cache"}
    if rendered.etag in (request.headers.get("if-none-match") or ""):
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, media_type=f"{fmt.media_type}; charset=utf-8", headers=headers)
