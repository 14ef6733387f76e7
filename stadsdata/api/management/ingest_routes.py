"""Management endpoints of ingestion: the quarantine, LoRaWAN device mappings, and the
network servers' uplink webhooks (The Things Stack v3, ChirpStack v4)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.errors import BadRequest
from stadsdata.ingest.lorawan import ingest_uplink
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome
from stadsdata.management import lorawan_devices, quarantine

Limit = Annotated[int, Query(ge=1, le=1000, description="items per page")]
Cursor = Annotated[int | None, Query(ge=0, description="from `_links.next` of the previous page")]


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
    def get_quarantined(quarantine_id: int, who: Who) -> dict[str, Any]:
        return run(who, lambda a: quarantine.get_quarantined(a, quarantine_id))

    @router.patch("/quarantine/{quarantine_id}", tags=["ingestion"], summary="Replay (store it now) or discard a held message")
    def decide_quarantined(quarantine_id: int, body: models.QuarantineDecision, who: Who) -> dict[str, Any]:
        if body.status == "discarded":
            return run(who, lambda a: quarantine.discard(a, quarantine_id), write=True)
        message = run(who, lambda a: quarantine.message_to_replay(a, quarantine_id))
        outcome = replay(message, who, quarantine_id)  # with the replaying admin's rights
        return run(who, lambda a: quarantine.record_replay(a, quarantine_id, outcome), write=True)

    def replay(message: Message, who: Any, quarantine_id: int) -> Outcome:
        network = {"lorawan-tts": "tts", "lorawan-chirpstack": "chirpstack"}.get(message.source)
        if network is not None:
            return ingest_uplink(ingestor, network, message, who, quarantined=quarantine_id)
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
    def get_device(device_id: int, who: Who) -> dict[str, Any]:
        return run(who, lambda a: lorawan_devices.get_device(a, device_id))

    @router.patch("/lorawan-devices/{device_id}", tags=["ingestion"], summary="Change which Datastream each field feeds")
    def update_device(device_id: int, body: models.LorawanFieldsChange, who: Who) -> dict[str, Any]:
        return run(who, lambda a: lorawan_devices.update_fields(a, device_id, body.fields), write=True)

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


__all__ = ["add_ingest_routes", "BadRequest"]
