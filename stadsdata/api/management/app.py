"""The management API under `/api/v1`, following the NL API Design Rules: resources are plural
kebab-case nouns, the major version is in the path, every response carries the full version in
`API-Version`, errors are RFC 9457 problem+json, and the OpenAPI 3 document is published at
`/api/v1/openapi.json` (browsable at `/api/v1/docs`). Lists are pages of at most `limit` items
with a HAL `_links.next` (and a `Link: rel="next"` header) holding the `cursor` of the next page.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from stadsdata.api import problems
from stadsdata.api.management.routes import build_router
from stadsdata.platform import Platform

API_VERSION = "1.0.0"
PREFIX = "/api/v1"


def build_management_app(platform: Platform) -> FastAPI:
    app = FastAPI(
        title="stadsdata management API",
        version=API_VERSION,
        description=(
            "Parties, accounts, API keys, datasets, grants, ODRL offers, access requests, agreements, "
            "residents' consents, the audit log and the ingestion quarantine of a stadsdata platform. The data itself is served "
            "by the OGC SensorThings API at /v1.1."
        ),
        contact={"name": "stadsdata", "url": "https://github.com/stadsdata"},
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        servers=[{"url": PREFIX}],
    )
    problems.install(app)

    @app.middleware("http")
    async def api_version(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["API-Version"] = API_VERSION
        return response

    app.include_router(build_router(platform))
    root = functools.cache(lambda: api_root(app))  # on first use: it builds the OpenAPI document (~50 ms)

    @app.get("/", include_in_schema=False)
    def get_root() -> JSONResponse:
        return JSONResponse(root())

    app.state.root = root
    return app


def api_root(app: FastAPI) -> dict[str, Any]:
    """The document at `/api/v1` itself: what this API is and links (HAL) to its specification,
    its browsable documentation and each resource that can be read at its own path (`/parties`,
    `/me`, …), read off its OpenAPI paths."""
    paths = app.openapi()["paths"]
    collections = sorted(path[1:] for path, operations in paths.items() if path.count("/") == 1 and "get" in operations)
    return {
        "title": app.title,
        "version": API_VERSION,
        "description": app.description,
        "_links": {
            "self": {"href": PREFIX},
            "openapi": {"href": f"{PREFIX}/openapi.json", "type": "application/vnd.oai.openapi+json;version=3.0"},
            "docs": {"href": f"{PREFIX}/docs", "type": "text/html"},
            "sensorthings": {"href": "/v1.1"},
            **{name: {"href": f"{PREFIX}/{name}"} for name in collections},
        },
    }
