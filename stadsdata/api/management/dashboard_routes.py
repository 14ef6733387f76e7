"""Management endpoints of the web UI's dashboards (`management/dashboards.py`)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.errors import BadRequest
from stadsdata.management import dashboards

Slug = Annotated[str, "a dashboard's slug"]


def add_dashboard_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803 - a type
    run, listing = tools.run, tools.listing

    @router.get("/dashboards", tags=["dashboards"], summary="The dashboards of the web UI")
    def list_dashboards(request: Request, who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        cursor: Annotated[int | None, Query(ge=0)] = None) -> JSONResponse:  # fmt: skip
        return listing(request, "dashboards", run(who, lambda a: dashboards.list_dashboards(a, limit=limit, cursor=cursor)))

    @router.get("/dashboards/{slug}", tags=["dashboards"])
    def get_dashboard(slug: Slug, who: Who) -> dict[str, Any]:
        return run(who, lambda a: dashboards.get_dashboard(a, slug))

    @router.put("/dashboards/{slug}", tags=["dashboards"], summary="Create or replace a dashboard (admins)")
    def put_dashboard(slug: Annotated[str, "slug"], body: models.Dashboard, who: Who, response: Response) -> dict[str, Any]:
        if not slug or len(slug) > 100 or not all(c.isalnum() or c in "-_" for c in slug):
            raise BadRequest("a slug is 1 to 100 letters, digits, '-' or '_'", field="slug")
        out, new = run(who, lambda a: dashboards.put_dashboard(a, slug, body.model_dump(exclude_none=True)), write=True)
        response.status_code = 201 if new else 200
        return out

    @router.delete("/dashboards/{slug}", tags=["dashboards"], status_code=204)
    def delete_dashboard(slug: Slug, who: Who) -> Response:
        run(who, lambda a: dashboards.delete_dashboard(a, slug), write=True)
        return Response(status_code=204)
