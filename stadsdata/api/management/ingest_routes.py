"""Management endpoints of ingestion: the source kinds, the quarantine, device mappings, HTTP
push, and the webhook of every source kind that has one (The Things Stack v3, ChirpStack v4, …:
built from the kinds' manifests, `sources/`)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import Cursor, Limit
from stadsdata.errors import Conflict
from stadsdata.ingest.http_push import ingest_push
from stadsdata.ingest.pipeline import Message, Outcome
from stadsdata.management import lorawan_devices, push_sources, quarantine
from stadsdata.management.views import view
from stadsdata.platform import Platform
from stadsdata.sources.kind import SourceKind

PUSH_SOURCE = "http-push:"  # the `source` of pushed messages: 'http-push:<name>'


def add_ingest_routes(router: APIRouter, tools: Endpoints, Who: Any, platform: Platform) -> None:  # noqa: N803 - a type
    add_source_kind_routes(router, Who, platform)
    add_quarantine_routes(router, tools, Who, platform)
    add_device_routes(router, tools, Who, platform)
    add_push_routes(router, tools, Who, platform)
    for kind in platform.source_kinds.values():
        if kind.decode is None:  # a kind that fetches: no messages of its own to replay
            continue
        # a quarantined message of the kind (by webhook or MQTT) is replayed through the kind
        platform.replays[kind.manifest.message_source] = partial(kind.ingest, platform.ingestor)
        if kind.manifest.webhook is not None:
            add_webhook(router, Who, platform, kind)


def add_source_kind_routes(router: APIRouter, Who: Any, platform: Platform) -> None:  # noqa: N803
    @router.get("/source-kinds", tags=["ingestion"], summary="The kinds of sources this platform takes data from (manifests)")
    def list_source_kinds(who: Who) -> dict[str, Any]:
        kinds = [kind.manifest.document() for kind in platform.source_kinds.values()]
        return {"_embedded": {"sourceKinds": kinds}, "_links": {"self": {"href": "/api/v1/source-kinds"}}}


def add_quarantine_routes(router: APIRouter, tools: Endpoints, Who: Any, platform: Platform) -> None:  # noqa: N803
    run, listing = tools.run, tools.listing

    @router.get("/quarantine", tags=["ingestion"], summary="Messages that could not be stored (admins), newest first")
    def list_quarantine(
        request: Request,
        who: Who,
        status: Annotated[str | None, Query(pattern="^(held|replayed|discarded)$")] = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> JSONResponse:
        found = run(who, lambda a: quarantine.list_quarantine(a, status=status, limit=limit, cursor=cursor))
        return listing(request, "quarantine", found)

    @router.get("/quarantine/{quarantine_id}", tags=["ingestion"], summary="One quarantined message with its raw payload")
    def get_quarantined(quarantine_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: quarantine.get_quarantined(a, quarantine_id))

    @router.patch("/quarantine/{quarantine_id}", tags=["ingestion"], summary="Replay (store it now) or discard a held message")
    def decide_quarantined(quarantine_id: models.Id, body: models.QuarantineDecision, who: Who) -> dict[str, Any]:
        if body.status == "discarded":
            return run(who, lambda a: quarantine.discard(a, quarantine_id), write=True)
        message = run(who, lambda a: quarantine.message_to_replay(a, quarantine_id))
        outcome = platform.replay(message, who, quarantine_id)  # with the replaying admin's rights
        if outcome is None:
            raise Conflict(f"no part of this server takes messages of {message.source!r} (is its face or source kind enabled?)", field="source")
        return run(who, lambda a: quarantine.record_replay(a, quarantine_id, outcome), write=True)


def add_device_routes(router: APIRouter, tools: Endpoints, Who: Any, platform: Platform) -> None:  # noqa: N803
    run, listing, created = tools.run, tools.listing, tools.created
    kinds = platform.source_kinds

    @router.get("/lorawan-devices", tags=["ingestion"], summary="Devices (LoRaWAN, …) and the Datastream of each decoded field")
    def list_devices(request: Request, who: Who, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, "lorawanDevices", run(who, lambda a: lorawan_devices.list_devices(a, limit=limit, cursor=cursor)))

    @router.post("/lorawan-devices", tags=["ingestion"], status_code=201, summary="Map a device (admins)")
    def create_device(request: Request, body: models.NewLorawanDevice, who: Who) -> JSONResponse:
        def work(a: Any) -> dict[str, Any]:
            device = lorawan_devices.device_id(kinds, body.network, body.device)
            lorawan_devices.ensure_new(a, body.network, device)
            return lorawan_devices.put_device(a, network=body.network, device=device, thing_id=body.thingId, fields=body.fields)[0]

        out = run(who, work, write=True)
        return created(request, out, f"lorawan-devices/{out['id']}")

    @router.get("/lorawan-devices/{device_id}", tags=["ingestion"])
    def get_device(device_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: lorawan_devices.get_device(a, device_id))

    @router.patch("/lorawan-devices/{device_id}", tags=["ingestion"], summary="Change which Datastream each field feeds")
    def update_device(device_id: models.Id, body: models.LorawanFieldsChange, who: Who) -> dict[str, Any]:
        return run(who, lambda a: lorawan_devices.update_fields(a, device_id, body.fields), write=True)


def add_push_routes(router: APIRouter, tools: Endpoints, Who: Any, platform: Platform) -> None:  # noqa: N803
    run, listing, created = tools.run, tools.listing, tools.created
    ingestor = platform.ingestor

    @router.get("/push-sources", tags=["ingestion"], summary="Sources that push JSON, and their mappings (admins)")
    def list_push_sources(request: Request, who: Who, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, "pushSources", run(who, lambda a: push_sources.list_sources(a, limit=limit, cursor=cursor)))

    @router.post("/push-sources", tags=["ingestion"], status_code=201, summary="Add a push source with its mapping")
    def create_push_source(request: Request, body: models.NewPushSource, who: Who) -> JSONResponse:
        out = run(who, lambda a: push_sources.create_source(a, name=body.name, mapping=body.mapping), write=True)
        return created(request, out, f"push-sources/{body.name}")

    @router.get("/push-sources/{name}", tags=["ingestion"])
    def get_push_source(name: str, who: Who) -> dict[str, Any]:
        def work(a: Any) -> dict[str, Any]:
            a.require_admin("read push sources")
            return view(push_sources.source_by_name(a, name))

        return run(who, work)

    @router.patch("/push-sources/{name}", tags=["ingestion"], summary="Change a source's mapping")
    def update_push_source(name: str, body: models.PushMappingChange, who: Who) -> dict[str, Any]:
        return run(who, lambda a: push_sources.update_mapping(a, name, body.mapping), write=True)

    def push(request: Request, name: str, who: Any, payload: bytes) -> JSONResponse:
        source = run(who, lambda a: push_sources.source_by_name(a, name))
        message = Message(f"{PUSH_SOURCE}{name}", request.url.path, payload, subject=who.subject)
        outcome, readings = ingest_push(ingestor, name, source["mapping"], message, who)
        status = 202 if outcome is Outcome.QUARANTINED else 200
        return JSONResponse({"outcome": outcome.value, "readings": readings}, status_code=status)

    @router.post("/push/{name}", tags=["ingestion"], summary="Push JSON of a source; 2xx after it is stored (202: partly quarantined)")
    async def push_endpoint(request: Request, name: str, who: Who) -> JSONResponse:
        return await run_in_threadpool(push, request, name, who, await request.body())

    def replay(message: Message, who: Any, quarantined: int) -> Outcome:
        name = message.source.removeprefix(PUSH_SOURCE)
        source = run(who, lambda a: push_sources.source_by_name(a, name))
        return ingest_push(ingestor, name, source["mapping"], message, who, quarantined=quarantined)[0]

    platform.replays[PUSH_SOURCE] = replay


def add_webhook(router: APIRouter, Who: Any, platform: Platform, kind: SourceKind) -> None:  # noqa: N803
    """POST /api/v1/<the manifest's webhook path>: 2xx only after the readings (or the quarantine
    row) are committed; a database failure is a 503, so the source delivers again."""
    webhook = kind.manifest.webhook
    assert webhook is not None
    parameters = [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string", "default": value},
         "description": f"only `{value}` carries readings; other values are answered `not data`"}
        for name, value in webhook.only_when.items()
    ]  # fmt: skip

    def receive(request: Request, who: Any, payload: bytes) -> JSONResponse:
        message = Message(kind.manifest.message_source, request.url.path, payload, subject=who.subject)
        outcome = kind.ingest(platform.ingestor, message, who)
        status = 200 if outcome in (Outcome.STORED, Outcome.DUPLICATE, Outcome.NOT_DATA) else 202
        return JSONResponse({"outcome": outcome.value}, status_code=status)

    async def endpoint(request: Request, who: Who) -> JSONResponse:
        payload = await request.body()
        if any(request.query_params.get(name, value) != value for name, value in webhook.only_when.items()):
            return JSONResponse({"outcome": Outcome.NOT_DATA.value})
        return await run_in_threadpool(receive, request, who, payload)

    router.add_api_route(
        f"/{webhook.path}", endpoint, methods=["POST"], tags=["ingestion"], summary=webhook.summary,
        name=f"webhook_{kind.name.replace('-', '_')}", openapi_extra={"parameters": parameters} if parameters else None,
    )  # fmt: skip


__all__ = ["add_ingest_routes"]
