"""Management endpoints of ingestion: the quarantine, LoRaWAN device mappings, and the
network servers' uplink webhooks (The Things Stack v3, ChirpStack v4)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.ingest.http_push import ingest_push
from stadsdata.ingest.lorawan import ingest_uplink
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome
from stadsdata.management import lorawan_devices, push_sources, quarantine
from stadsdata.management.views import view

Limit = Annotated[int, Query(ge=1, le=1000, description="items per page")]
Cursor = Annotated[int | None, Query(ge=0, le=models.MAX_ID, description="from `_links.next` of the previous page")]


def add_ingest_routes(router: APIRouter, tools: Endpoints, Who: Any, ingestor: Ingestor) -> None:  # noqa: N803 - a type
    run, listing, created = tools.run, tools.listing, tools.created

    # -- quarantine -------------------------------------------------------------------------
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
        outcome = replay(message, who, quarantine_id)  # with the replaying admin's rights
        return run(who, lambda a: quarantine.record_replay(a, quarantine_id, outcome), write=True)

    def replay(message: Message, who: Any, quarantine_id: models.Id) -> Outcome:
        network = {"lorawan-tts": "tts", "lorawan-chirpstack": "chirpstack"}.get(message.source)
        if network is not None:
            return ingest_uplink(ingestor, network, message, who, quarantined=quarantine_id)
        if message.source.startswith("http-push:"):
            name = message.source.split(":", 1)[1]
            source = run(who, lambda a: push_sources.source_by_name(a, name))
            return ingest_push(ingestor, name, source["mapping"], message, who, quarantined=quarantine_id)[0]
        return ingestor.ingest(message, who, quarantined=quarantine_id)

    # -- LoRaWAN device mappings ------------------------------------------------------------
    @router.get("/lorawan-devices", tags=["ingestion"], summary="LoRaWAN devices and the Datastream of each decoded field")
    def list_devices(request: Request, who: Who, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, "lorawanDevices", run(who, lambda a: lorawan_devices.list_devices(a, limit=limit, cursor=cursor)))

    @router.post("/lorawan-devices", tags=["ingestion"], status_code=201, summary="Map a device (admins)")
    def create_device(request: Request, body: models.NewLorawanDevice, who: Who) -> JSONResponse:
        def work(a: Any) -> dict[str, Any]:
            lorawan_devices.ensure_new(a, body.network, body.device)
            return lorawan_devices.put_device(a, network=body.network, device=body.device, thing_id=body.thingId, fields=body.fields)[0]

        out = run(who, work, write=True)
        return created(request, out, f"lorawan-devices/{out['id']}")

    @router.get("/lorawan-devices/{device_id}", tags=["ingestion"])
    def get_device(device_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: lorawan_devices.get_device(a, device_id))

    @router.patch("/lorawan-devices/{device_id}", tags=["ingestion"], summary="Change which Datastream each field feeds")
    def update_device(device_id: models.Id, body: models.LorawanFieldsChange, who: Who) -> dict[str, Any]:
        return run(who, lambda a: lorawan_devices.update_fields(a, device_id, body.fields), write=True)

    # -- HTTP push ----------------------------------------------------------------------------
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
        message = Message(f"http-push:{name}", request.url.path, payload, subject=who.subject)
        outcome, readings = ingest_push(ingestor, name, source["mapping"], message, who)
        status = 202 if outcome is Outcome.QUARANTINED else 200
        return JSONResponse({"outcome": outcome.value, "readings": readings}, status_code=status)

    @router.post("/push/{name}", tags=["ingestion"], summary="Push JSON of a source; 2xx after it is stored (202: partly quarantined)")
    async def push_endpoint(request: Request, name: str, who: Who) -> JSONResponse:
        return await _in_thread(push, request, name, who, await request.body())

    # -- uplink webhooks --------------------------------------------------------------------
    def uplink(request: Request, network: str, who: Any, payload: bytes) -> JSONResponse:
        """2xx only after the readings (or the quarantine row) are committed; a database failure
        is a 503, so the network server delivers again."""
        message = Message(f"lorawan-{network}", request.url.path, payload, subject=who.subject)
        outcome = ingest_uplink(ingestor, network, message, who)
        status = 200 if outcome in (Outcome.STORED, Outcome.DUPLICATE, Outcome.NOT_DATA) else 202
        return JSONResponse({"outcome": outcome.value}, status_code=status)

    @router.post("/lorawan/tts/uplinks", tags=["ingestion"], summary="The Things Stack v3 webhook (uplink messages)")
    async def tts_webhook(request: Request, who: Who) -> JSONResponse:
        return await _in_thread(uplink, request, "tts", who, await request.body())

    @router.post("/lorawan/chirpstack/events", tags=["ingestion"], summary="ChirpStack v4 HTTP integration (`?event=up`)")
    async def chirpstack_webhook(request: Request, who: Who, event: str = "up") -> JSONResponse:
        payload = await request.body()
        if event != "up":
            return JSONResponse({"outcome": Outcome.NOT_DATA.value})  # status, join, ack, … events carry no readings
        return await _in_thread(uplink, request, "chirpstack", who, payload)


async def _in_thread(function: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)


__all__ = ["add_ingest_routes"]
