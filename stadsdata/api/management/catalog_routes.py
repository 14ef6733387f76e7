"""Management endpoints of the data catalog (`stadsdata/catalog/`): search with facets at
/api/v1/catalog, one entry with its distributions and streams at /api/v1/catalog/{name}. What a
caller is shown follows the catalog's listing rule; nothing computed from data the caller may not
read is in any answer or facet count."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from stadsdata.api.management.endpoints import Endpoints
from stadsdata.catalog.downloads.selection import parse_box
from stadsdata.catalog.search import SORTS, SearchQuery
from stadsdata.catalog.views import entry_view
from stadsdata.errors import BadRequest
from stadsdata.platform import Platform

Many = Annotated[list[str] | None, Query(description="one value, several (repeat the parameter) or values separated by commas")]


def _values(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


def add_catalog_routes(router: APIRouter, tools: Endpoints, Who: Any, platform: Platform) -> None:  # noqa: N803 - a type
    catalog = platform.catalog

    @router.get("/catalog", tags=["catalog"], summary="Search the data catalog: full text, facets, coverage area")
    def search_catalog(
        request: Request, who: Who, q: str = "", theme: Many = None, publisher: Many = None, accessLevel: Many = None,  # noqa: N803
        format: Many = None, keyword: Many = None, area: Many = None, bbox: str | None = None,
        sort: Annotated[str, Query(description=f"one of {', '.join(SORTS)}")] = "relevance",
        order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
        limit: Annotated[int, Query(ge=1, le=1000)] = 20, offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
    ) -> JSONResponse:  # fmt: skip
        if sort not in SORTS:
            raise BadRequest(f"sort must be one of {', '.join(SORTS)}", field="sort")
        query = SearchQuery(
            text=q[:500], themes=_values(theme), publishers=_values(publisher), access_levels=_values(accessLevel),
            formats=_values(format), keywords=_values(keyword), areas=_values(area), bbox=parse_box(bbox), sort=sort, descending=order == "desc",
            start=offset, rows=limit,
        )  # fmt: skip
        found = catalog.search(who, query)
        root = tools.site_url(request)
        links: dict[str, Any] = {"self": {"href": str(request.url)}}
        if offset + limit < found.count:
            params = dict(request.query_params) | {"offset": str(offset + limit)}
            links["next"] = {"href": f"{root}/api/v1/catalog?" + "&".join(f"{k}={v}" for k, v in params.items())}
        body = {
            "count": found.count, "facets": found.facets,
            "_embedded": {"datasets": [entry_view(e, root) for e in found.entries]}, "_links": links,
        }  # fmt: skip
        return JSONResponse(body)

    @router.get("/catalog/{key}", tags=["catalog"], summary="One catalog entry (by dataset name or id), with distributions and streams")
    def catalog_entry(request: Request, key: str, who: Who) -> dict[str, Any]:
        return entry_view(catalog.entry(who, key[:200]), tools.site_url(request), detail=True)
