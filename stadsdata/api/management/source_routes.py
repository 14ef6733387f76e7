"""Management endpoints of the sources the platform fetches from (`management/sources.py`):
/api/v1/sources, one source, its runs, run now / re-sync, pause and resume (PATCH state), and
/api/v1/source-files (a file uploaded for a source of kind `file`)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import Cursor, Limit
from stadsdata.management import source_files, sources
from stadsdata.platform import Platform
from stadsdata.sources.run import MESSAGE_SOURCE
from stadsdata.sources.runner import check_connection, replay_item


def add_source_routes(router: APIRouter, tools: Endpoints, Who: Any, platform: Platform) -> None:  # noqa: N803 - a type
    run, listing, created = tools.run, tools.listing, tools.created
    kinds = platform.source_kinds
    # a quarantined item of a fetching source ('source:<name>') is read again by its connector
    platform.replays[MESSAGE_SOURCE] = partial(replay_item, platform.source_parts)

    @router.get("/sources", tags=["sources"], summary="The sources the platform fetches from, with their status (admins)")
    def list_sources(request: Request, who: Who, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, "sources", run(who, lambda a: sources.list_sources(a, limit=limit, cursor=cursor)))

    @router.post("/sources", tags=["sources"], status_code=201, summary="Add a source: config checked, connection tried, then saved")
    async def create_source(request: Request, body: models.NewSource, who: Who) -> JSONResponse:
        run(who, lambda a: a.require_admin("add sources"))
        kind, source = sources.checked(kinds, body.model_dump(exclude_none=True))
        tested = await run_in_threadpool(check_connection, kind, source["name"], source["config"]) if body.test else None
        out = run(who, lambda a: sources.create_source(a, source, dataset=body.dataset), write=True)
        return created(request, out | {"connectionTest": tested}, f"sources/{source['name']}")

    @router.get("/sources/{name}", tags=["sources"], summary="One source: config (secrets as references), schedule, status")
    def get_source(name: str, who: Who) -> dict[str, Any]:
        return run(who, lambda a: sources.get_source(a, name))

    @router.patch("/sources/{name}", tags=["sources"], summary="Change title, config, schedule, dataset; pause or resume (state)")
    async def update_source(name: str, body: models.SourceChange, who: Who) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True, exclude={"test"})
        row = run(who, lambda a: (a.require_admin("change sources"), sources.source_row(a, name))[1])
        tested = None
        if "config" in changes and body.test:
            kind = sources.fetching_kind(kinds, row["kind"])
            tested = await run_in_threadpool(check_connection, kind, name, kind.check_config(changes["config"] or {}))
        out = run(who, lambda a: sources.update_source(a, kinds, name, changes), write=True)
        return out | ({"connectionTest": tested} if tested is not None else {})

    @router.post("/source-files", tags=["sources"], status_code=201, summary="Upload a file for a source of kind `file` (admins); its path for the config")
    async def upload_source_file(request: Request, who: Who, name: Annotated[str, Query(min_length=1, max_length=200)]) -> JSONResponse:
        run(who, lambda a: a.require_admin("upload files for sources"))
        body = await request.body()  # at most max_body_bytes: larger files with `stadsdata import` or a path on the server
        kept = await run_in_threadpool(source_files.keep, platform.settings.uploads_dir, name, body)
        return JSONResponse(kept, status_code=201)

    @router.post("/sources/{name}/run", tags=["sources"], status_code=202, summary="Run now (or re-sync from a time) at the next free moment")
    def request_run(name: str, who: Who, body: models.SourceRunRequest | None = None) -> dict[str, Any]:
        since = body.resyncFrom if body else None
        return run(who, lambda a: sources.request_run(a, name, resync_from=since), write=True)

    @router.get("/sources/{name}/runs", tags=["sources"], summary="The runs of a source, newest first: counts, status, error")
    def list_runs(request: Request, name: str, who: Who, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, "runs", run(who, lambda a: sources.list_runs(a, name, limit=limit, cursor=cursor)))


__all__ = ["add_source_routes"]
